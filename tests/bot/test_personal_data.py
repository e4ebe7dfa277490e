"""Personal data stays where it belongs: not in log lines, not in SQLite's leftovers after an
erasure, not in files others can read, and no terminal tricks in what citizens type."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import stat
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import insert, select

from bot.backup import backup_database, key_file_for
from bot.logs import Redact, scrub
from bot.outbox import Dispatcher
from bot.scheduler import ReminderScheduler
from core.checks import clean_text
from storage import tables as t
from storage.db import Database
from storage.files import write_private
from tests.bot.conftest import Chat, copy_seeded, make_settings
from tests.bot.test_apply import reach_name_question, state
from tests.bot.test_cli import cli, first_data, text_of
from tests.doubles.telegram_api import TelegramDouble
from tests.idnumbers import VALID_ID
from tests.processes import child_env, free_port

NAME = "Zeynep Karagöz"
PHONE_TYPED = "0532 987 65 43"
# Every form the three may take once typed: as typed, stored, folded for search, in E.164.
TRACES = (VALID_ID, "123 456 789 50", "5329876543", "987 65 43", "Zeynep", "Karagöz", "karagoz")


def _leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [trace for trace in TRACES if trace.lower() in lowered]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# Log lines ------------------------------------------------------------------------------------


def verbose_chat(workdir: Path, lines: list[str], errors: list[str]) -> list[dict[str, object]]:
    """`meslek-bot -v chat --json` as a real process; its log (stderr) is added to `errors`."""
    done = cli(workdir, "-v", "chat", "--json", "--user", "ayse", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    errors.append(done.stderr)
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_verbose_chat_logs_what_happened_but_no_id_phone_or_name(
    tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    log: list[str] = []
    turns = verbose_chat(tmp_path, ["barista kursuna kayıt olmak istiyorum"], log)
    turns = verbose_chat(tmp_path, [f"/press {first_data(turns[0], 'apply_course')}"], log)
    answers = [NAME, "12/05/1998", "123 456 789 50", PHONE_TYPED, "karşıyaka", "geç", "geç"]
    turns = verbose_chat(tmp_path, [f"/press {first_data(turns[0], 'consent')}", *answers], log)
    assert "+905329876543" in text_of(turns[-1])  # the summary: every answer was taken
    turns = verbose_chat(tmp_path, [f"/press {first_data(turns[-1], 'summary')}"], log)
    assert "MF-" in text_of(turns[0])
    # A callback request whose question repeats all three, then erasure.
    turns = verbose_chat(tmp_path, ["yetkili ile görüşmek istiyorum"], log)
    question = f"{NAME} ben, TC {VALID_ID}, beni {PHONE_TYPED} numarasından arayın"
    callback = first_data(turns[0], "callback")
    turns = verbose_chat(tmp_path, [f"/press {callback}", question, PHONE_TYPED], log)
    assert "kaydedildi" in text_of(turns[-1])
    turns = verbose_chat(tmp_path, ["verilerimi sil"], log)
    turns = verbose_chat(tmp_path, [f"/press {first_data(turns[0], 'erase')}"], log)
    assert "silindi" in text_of(turns[0])

    text = "\n".join(log)
    assert _leaks(text) == [], [line for line in text.splitlines() if _leaks(line)]
    # ...while the log still says what happened, turn by turn.
    assert text.count("DEBUG nlu.understand: understood") >= 6
    assert "as apply (branch=barista" in text
    assert "turn user=console:…yse kind=text outcome=apply:ask_birth_date" in text
    assert "outcome=human:ask_question" in text


async def test_a_verbose_run_logs_no_id_phone_or_name(tmp_path: Path, seeded_db: Path) -> None:
    """`meslek-bot -v run` with Telegram: a whole application, every library at DEBUG."""
    copy_seeded(seeded_db, tmp_path)
    user = 424242
    async with TelegramDouble() as tg:
        env = child_env()
        env.update(
            MF_DATA_KEY="test-data-key-0123456789",
            MF_TELEGRAM_TOKEN=tg.token,
            MF_TELEGRAM_API_URL=tg.api_url,
            MF_HTTP_PORT=str(free_port()),
            MF_PANEL_PORT=str(free_port()),
        )
        log_file = tmp_path / "stderr.log"
        with log_file.open("wb") as err:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "-v", "run",
                cwd=tmp_path, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        try:

            def replies() -> int:
                return sum(len(tg.calls_to(m, user)) for m in ("sendMessage", "editMessageText"))

            async def step(action: Callable[[], object]) -> None:
                before = replies()
                action()
                await tg.wait_for(
                    lambda: replies() > before or proc.returncode is not None, within=30
                )
                await tg.settle()

            await step(lambda: tg.send_text(user, "barista kursuna başvurmak istiyorum"))
            await step(lambda: tg.press_label(user, "Buca"))
            await step(lambda: tg.press_label(user, "Onaylıyorum"))
            for answer in (NAME, "12.05.1998", VALID_ID, PHONE_TYPED):
                await step(partial(tg.send_text, user, answer))
            assert "ilçe" in tg.sent_texts(user)[-1]  # every answer was taken
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
    text = log_file.read_text(encoding="utf-8")
    assert _leaks(text) == [], [line for line in text.splitlines() if _leaks(line)][:5]
    assert tg.token.split(":")[1] not in text
    assert "DEBUG nlu.understand: understood" in text
    assert "outcome=apply:ask_district" in text


def _record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args, None)


def test_the_log_filter_masks_what_libraries_print_at_debug() -> None:
    """The safety net on the handlers, for lines nobody here wrote."""
    redact = Redact(["123456:SECRET"])
    params = (NAME, VALID_ID, "+905329876543", "console:ayse")
    lines = [
        _record("sqlalchemy.engine.Engine", "[generated in %s] %r", "0.00012s", params),
        _record("sqlalchemy.engine.Engine", "Row %r", params),
        _record(
            "aiosqlite",
            "executing %s",
            "functools.partial(<built-in method execute of sqlite3.Cursor object at 0x7f>, "
            f"'INSERT INTO applications VALUES (?, ?)', {params!r})",
        ),
        _record(
            "telegram.Bot",
            "Calling Bot API endpoint `%s` with parameters `%s`",
            "sendMessage",
            {"chat_id": 424242, "text": f"Ad soyad: {NAME}\nTelefon: +905329876543"},
        ),
        _record("telegram.ext.Updater", "Update: %s", f"Message(text='{VALID_ID}', chat=Chat())"),
        _record("httpx", "HTTP Request: POST %s", "http://x/bot123456:SECRET/sendMessage"),
        _record("somewhere", "typed %s and %s", "0 (532) 987-65-43", "123.456.789.50"),
    ]
    for record in lines:
        assert redact.filter(record)
    shown = "\n".join(record.getMessage() for record in lines)
    assert _leaks(shown) == [], shown
    assert "SECRET" not in shown
    assert "[generated in 0.00012s] <parameters hidden>" in shown
    assert "INSERT INTO applications" not in shown  # aiosqlite: the call, not its arguments
    assert "endpoint `sendMessage`" in shown
    # An exception's text gets the same treatment.
    try:
        raise ValueError(f"[SQL: INSERT ...]\n[parameters: ('{NAME}', '{VALID_ID}')]")
    except ValueError:
        failed = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    redact.filter(failed)
    assert failed.exc_text is not None
    assert _leaks(failed.exc_text) == []
    assert "[parameters hidden]" in failed.exc_text
    # Ordinary lines are left alone.
    plain = "turn user=console:…yse kind=text outcome=apply:confirm replies=1 ms=2.5 at 2026-05-12"
    assert scrub(plain) == plain


# SQLite leftovers -----------------------------------------------------------------------------


def _files(chat: Chat) -> dict[str, bytes]:
    path = chat.assistant.settings.sqlite_path
    assert path is not None
    return {
        p.name: p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    }


def _found(files: dict[str, bytes], *traces: str) -> dict[str, list[str]]:
    return {
        name: [x for x in traces if x.encode("utf-8") in data]
        for name, data in files.items()
        if any(x.encode("utf-8") in data for x in traces)
    }


async def test_after_erasure_the_database_files_hold_none_of_it(chat: Chat) -> None:
    """Read raw while the database is open: the file and its -wal, after "verilerimi sil"."""
    assert _found(_files(chat), VALID_ID, "5329876543", NAME) == {}
    await reach_name_question(chat)
    for answer in (NAME, "12.05.1998", VALID_ID, PHONE_TYPED, "Buca", "geç", "geç"):
        await chat.say(answer)
    await chat.press_label("Gönder")
    assert "MF-" in chat.texts()
    await chat.say("yetkili ile görüşmek istiyorum")
    await chat.press_label("arasınlar")
    await chat.say(f"TC {VALID_ID}, beni {PHONE_TYPED} numarasından arayın")
    await chat.say(PHONE_TYPED)
    assert "kaydedildi" in chat.texts()
    # Stored as it must be until erased (the application, the request); the id never in clear.
    before = _found(_files(chat), VALID_ID, "+905329876543", NAME)
    assert any(NAME in found for found in before.values()), before
    assert not any(VALID_ID in found for found in before.values()), before
    await chat.say("verilerimi sil")
    await chat.press_label("Evet")
    assert "silindi" in chat.texts()
    files = _files(chat)
    assert set(files) >= {"meslek.db"}
    assert _found(files, VALID_ID, "5329876543", "987 65 43", NAME, "Karagöz", "karagoz") == {}


async def test_a_form_given_up_half_way_leaves_the_files_at_the_hourly_clean_up(
    chat: Chat,
) -> None:
    await reach_name_question(chat)
    for answer in (NAME, "12.05.1998", VALID_ID, PHONE_TYPED):
        await chat.say(answer)
    await chat.say("iptal")
    await chat.press_first("leave")  # "Evet": the form is given up
    assert await state(chat) is None
    assert _found(_files(chat), NAME) != {}  # the -wal still holds the page the form was on
    scheduler = ReminderScheduler(
        chat.assistant.db, chat.assistant.settings, cast(Dispatcher, None)
    )
    await scheduler.clean_up()
    assert _found(_files(chat), VALID_ID, NAME, "+905329876543") == {}


# File modes -----------------------------------------------------------------------------------


async def test_the_database_and_its_wal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "meslek.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.write() as conn:
            await conn.exec_driver_sql("CREATE TABLE x (v TEXT)")
        async with db.read() as conn:
            await conn.exec_driver_sql("SELECT * FROM x")
        files = [path, path.with_name("meslek.db-wal"), path.with_name("meslek.db-shm")]
        assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert _mode(path.parent) == 0o700
    finally:
        await db.dispose()


async def test_backups_and_their_key_are_private(
    tmp_path: Path, seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_seeded(seeded_db, tmp_path)
    settings = make_settings(tmp_path)
    assert settings.sqlite_path is not None
    key_file_for(settings.sqlite_path).write_text("k" * 40)
    settings = settings.model_copy(update={"data_key": None})
    old = os.umask(0o022)  # whatever the caller's umask
    try:
        await backup_database(settings, tmp_path / "out" / "copy.db")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "out" / "copy.db") == 0o600
    assert _mode(tmp_path / "out" / "copy.db.key") == 0o600


def test_an_existing_file_rewritten_becomes_private(tmp_path: Path) -> None:
    target = tmp_path / "basvurular.csv"
    target.write_text("eski")
    target.chmod(0o644)
    write_private(target, b"yeni")
    assert (target.read_bytes(), _mode(target)) == (b"yeni", 0o600)


def test_exports_written_by_the_commands_are_private(tmp_path: Path, seeded_db: Path) -> None:
    copy_seeded(seeded_db, tmp_path)
    written = []
    for fmt in ("csv", "xlsx", "json"):
        out = tmp_path / f"basvurular.{fmt}"
        done = cli(tmp_path, "applications", "export", "--format", fmt, "--output", str(out))
        assert done.returncode == 0, done.stderr
        written.append(out)
    audit = tmp_path / "denetim.csv"
    assert cli(tmp_path, "audit", "export", "--output", str(audit)).returncode == 0
    for name in ("katalog.xlsx", "katalog.yaml", "katalog.zip"):
        assert cli(tmp_path, "catalog", "export", str(tmp_path / name)).returncode == 0
        written.append(tmp_path / name)
    backup = tmp_path / "yedek.db"
    assert cli(tmp_path, "backup", str(backup)).returncode == 0
    written += [audit, backup, tmp_path / "data" / "meslek.db"]
    assert {p.name: _mode(p) for p in written} == {p.name: 0o600 for p in written}


# What citizens type ---------------------------------------------------------------------------


def test_clean_text_strips_escapes_controls_and_bidi() -> None:
    assert clean_text("\x1b[31mKIRMIZI\x1b[0m") == "KIRMIZI"
    assert clean_text("abc\u202edcba") == "abcdcba"
    assert clean_text("\x1b]0;başlık\x07metin\x9b2J") == "metin"
    assert clean_text("a\u2066b\u2069c\u200fd\u200be\ufeff\x00f\x7f") == "abcdef"
    assert clean_text("satır 1\r\nsatır 2\tson") == "satır 1\nsatır 2 son"
    assert clean_text("satır 1\nsatır 2", multiline=False) == "satır 1 satır 2"
    family = "👨\u200d👩\u200d👧 Ayşe"
    assert clean_text(family) == family  # joiners inside emoji stay


async def test_a_callback_request_is_stored_without_escapes_or_bidi(chat: Chat) -> None:
    for question in ("\x1b[31mKIRMIZI\x1b[0m yazı ne demek", "abc\u202edcba kurs var mı"):
        await chat.say("yetkili ile görüşmek istiyorum")
        await chat.press_label("arasınlar")
        await chat.say(question)
        await chat.say(PHONE_TYPED)
        assert "kaydedildi" in chat.texts()
    async with chat.assistant.db.read() as conn:
        stored = (await conn.execute(select(t.callback_requests.c.question))).scalars().all()
    assert stored == ["KIRMIZI yazı ne demek", "abcdcba kurs var mı"]


async def test_a_name_with_invisible_characters_is_taken_clean(chat: Chat) -> None:
    await reach_name_question(chat)
    await chat.say("\u202bZeynep\u200e Karagöz\x1b[0m")
    await chat.say("12.05.1998")
    await chat.say(VALID_ID)
    await chat.say(PHONE_TYPED)
    for answer in ("Buca", "geç", "geç"):
        await chat.say(answer)
    assert f"Ad soyad: {NAME}" in chat.texts()


def test_requests_list_prints_stored_text_safely(tmp_path: Path, seeded_db: Path) -> None:
    """A request stored before the check at the door still prints as plain text."""
    copy_seeded(seeded_db, tmp_path)

    async def store() -> None:
        db = Database(make_settings(tmp_path).database_url)
        try:
            async with db.write() as conn:
                await conn.execute(
                    insert(t.callback_requests).values(
                        user_key="console:x",
                        phone="+905329876543\x1b[2J",
                        question="\x1b[31mKIRMIZI\x1b[0m\nabc\u202edcba",
                        created_at=datetime.now(UTC),
                    )
                )
        finally:
            await db.dispose()

    asyncio.run(store())
    done = cli(tmp_path, "requests", "list")
    assert done.returncode == 0, done.stderr
    assert "KIRMIZI abcdcba" in done.stdout
    assert "+905329876543" in done.stdout
    assert not any(ch in done.stdout for ch in ("\x1b", "\u202e"))
    assert len(done.stdout.strip().splitlines()) == 1


async def test_asking_for_erasure_at_the_summary_does_not_send_the_application(
    chat: Chat,
) -> None:
    """ "verilerimi sil" has a "sil" in it, which confirms an erasure; at the form's summary it
    used to count as "yes, send" and stored the application it meant to remove."""
    await reach_name_question(chat)
    for answer in (NAME, "12.05.1998", VALID_ID, PHONE_TYPED, "Buca", "geç", "geç"):
        await chat.say(answer)
    assert await state(chat) == "apply:confirm"
    await chat.say("verilerimi sil")
    assert "MF-" not in chat.texts()
    assert "geri alınamaz" in chat.texts()
    await chat.press_label("Evet")
    assert "silindi" in chat.texts()
    async with chat.assistant.db.read() as conn:
        assert (await conn.execute(select(t.applications.c.id))).first() is None
