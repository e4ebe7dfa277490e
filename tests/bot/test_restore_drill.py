"""Restore drill, with real processes: `meslek-bot backup` while `meslek-bot run` holds a
half-finished form and queued reminders; the database is lost (file, -wal, -shm and key file);
the backup is put back as README says (stop, copy the file and its key, start); the form goes
on at the step it had reached and every queued reminder is sent when due, once."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sqlite3
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.catalog import Catalog
from storage.catalog_repo import import_catalog
from storage.db import Database
from tests.bot.conftest import copy_seeded, make_settings
from tests.course_setup import course_at, enrol, sessions_at
from tests.doubles.telegram_api import TelegramDouble
from tests.idnumbers import VALID_ID
from tests.processes import child_env, free_port

APPLICANT = 660001
TRAINEES = [660101, 660102, 660103]
COURSE = "drill-course"
REMINDER = "Dersiniz yaklaşıyor"
# The session starts this long after the test begins; with MF_REMINDERS=2m its reminders are
# due 2 minutes earlier, 60 s in: time enough (~15 s here, more on a busy machine) to fill half
# a form, back up, lose and restore first.
SESSION_IN = timedelta(minutes=3)


async def _command(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args,
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


class Program:
    """`meslek-bot run` as its own process, its stderr kept in a file."""

    def __init__(self, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.env, self.cwd, self.log = env, cwd, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, tg: TelegramDouble) -> None:
        self.env["MF_HTTP_PORT"] = str(free_port())
        self.env["MF_PANEL_PORT"] = str(free_port())
        polls = len(tg.calls_to("getUpdates"))
        with self.log.open("ab") as err:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run",
                cwd=self.cwd, env=self.env, stdout=err, stderr=err,
            )  # fmt: skip
        proc = self.proc
        await tg.wait_for(
            lambda: len(tg.calls_to("getUpdates")) > polls or proc.returncode is not None, 60
        )
        assert proc.returncode is None, self.log.read_text()

    async def stop(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(self.proc.wait(), 60) == 0, self.log.read_text()


async def _say(tg: TelegramDouble, text: str) -> str:
    """Sends a message from the applicant; returns the texts of the replies once they stop."""
    before = len(tg.sent_texts(APPLICANT))
    tg.send_text(APPLICANT, text)
    await tg.wait_for(lambda: len(tg.sent_texts(APPLICANT)) > before, 30)
    await tg.settle(0.5)
    return "\n".join(tg.sent_texts(APPLICANT)[before:])


async def _press(tg: TelegramDouble, prefix: str) -> str:
    """Presses the newest button whose data starts with `prefix` or whose label is `prefix`."""
    before = len(tg.calls)
    for button in tg.buttons(APPLICANT):
        data = str(button.get("callback_data", ""))
        if data.startswith(prefix) or button.get("text") == prefix:
            tg.press(APPLICANT, data)
            break
    else:
        raise AssertionError(f"no {prefix} button in {tg.sent_texts(APPLICANT)[-2:]}")
    await tg.wait_for(
        lambda: any(
            c.chat_id == APPLICANT and c.method != "answerCallbackQuery" for c in tg.calls[before:]
        ),
        30,
    )
    await tg.settle(0.5)
    return "\n".join(str(c.params.get("text", "")) for c in tg.calls[before:])


def _queued_reminders(db_file: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT user_key, status FROM outbox WHERE kind = 'reminder' ORDER BY user_key"
        ).fetchall()
    finally:
        con.close()
    return [(str(u), str(s)) for u, s in rows]


def _reminders(tg: TelegramDouble) -> Counter[int]:
    return Counter(
        c.chat_id
        for c in tg.calls_to("sendMessage")
        if c.chat_id is not None and REMINDER in str(c.params.get("text", ""))
    )


async def test_backup_then_loss_then_restore_keeps_the_form_and_the_reminders(
    tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    data = tmp_path / "data"
    db_file = data / "meslek.db"
    settings = make_settings(tmp_path)
    session_at = datetime.now(UTC).replace(microsecond=0) + SESSION_IN
    starts = [session_at - timedelta(days=1), session_at]  # the first has started: no welcome
    db = Database(settings.database_url)
    try:
        course = course_at(COURSE, starts)
        await import_catalog(db, Catalog(courses=[course], sessions=sessions_at(COURSE, starts)))
        trainees = [f"telegram:{c}" for c in TRAINEES]
        await enrol(db, COURSE, trainees, created_at=starts[0] - timedelta(days=1))
    finally:
        await db.dispose()

    async with TelegramDouble() as tg:
        env = child_env()
        env.update(
            MF_DATABASE_URL=settings.database_url,  # no MF_DATA_KEY: the key file beside it
            MF_TELEGRAM_TOKEN=tg.token,
            MF_TELEGRAM_API_URL=tg.api_url,
            MF_REMINDERS="2m",
            MF_QUIET_HOURS="",
        )
        program = Program(env, tmp_path, tmp_path / "run.log")
        await program.start(tg)
        try:
            assert (data / "meslek.key").exists()  # created at the first start
            # Half a form: course, consent, name, birth date and national id given.
            await _say(tg, "barista kursuna başvurmak istiyorum")
            await _press(tg, "apply_course")
            assert "Adınız" in await _press(tg, "consent")
            await _say(tg, "Ayşe Yılmaz")
            assert "kimlik" in await _say(tg, "12.05.1998")
            assert "telefon" in await _say(tg, VALID_ID)
            queued = _queued_reminders(db_file)
            assert queued == [(u, "queued") for u in sorted(trainees)]

            code, out = await _command(env, tmp_path, "backup", str(tmp_path / "safe" / "b.db"))
            assert code == 0, out
        finally:
            await program.stop()  # restoring: stop the program first
        backup, backup_key = tmp_path / "safe" / "b.db", tmp_path / "safe" / "b.db.key"
        assert backup_key.exists(), out
        assert str(backup_key) in out

        # The disk is lost: the database, its -wal/-shm and the key file.
        for name in ("meslek.db", "meslek.db-wal", "meslek.db-shm", "meslek.key"):
            (data / name).unlink(missing_ok=True)
        assert not any(data.iterdir())
        # README: copy the backup back as the database and its key file beside it, then start.
        shutil.copyfile(backup, db_file)
        shutil.copyfile(backup_key, data / "meslek.key")
        assert _queued_reminders(db_file) == queued  # nothing sent yet, nothing lost

        before_restart = len(tg.sent_texts(APPLICANT))
        await program.start(tg)
        try:
            # The form goes on where it was: the next message is the phone number.
            assert "ilçe" in await _say(tg, "0532 123 45 67")
            assert "Eğitim" in await _say(tg, "Karşıyaka")
            await _say(tg, "lise")
            summary = await _say(tg, "geç")
            assert "Ayşe Yılmaz" in summary
            assert "12*******50" in summary  # the id was read back with the restored key
            assert VALID_ID not in summary
            assert "MF-" in await _press(tg, "Gönder")
            # Nothing from before the backup was replayed to the applicant.
            assert not any("Adınız" in x for x in tg.sent_texts(APPLICANT)[before_restart:])

            # Every queued reminder is sent when due, once.
            await tg.wait_for(lambda: len(_reminders(tg)) >= len(TRAINEES), within=150)
            await tg.settle(2)
            assert _reminders(tg) == Counter(TRAINEES)
            assert _queued_reminders(db_file) == [(u, "sent") for u in sorted(trainees)]
        finally:
            await program.stop()
