"""Crash safety: `meslek-bot run` killed with SIGKILL in the middle of sending 2,000 reminders
and started again loses none and repeats at most what was in flight."""

from __future__ import annotations

import asyncio
import inspect
import logging
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.outbox import Dispatcher
from core.catalog import Catalog
from storage.catalog_repo import import_catalog
from storage.db import Database
from tests.bot.conftest import copy_seeded, make_settings
from tests.course_setup import course_at, enrol, sessions_at
from tests.doubles.telegram_api import TelegramDouble
from tests.processes import child_env, free_port

TRAINEES = 2_000
FIRST_USER = 900_000
# At most the dispatcher's concurrent sends can be sent but not yet marked when killed.
IN_FLIGHT_BOUND = int(inspect.signature(Dispatcher).parameters["concurrency"].default)


async def _prepare(db: Database, session_at: datetime) -> None:
    """One course whose next session is soon, 2,000 linked trainees; no welcomes (started)."""
    starts = [session_at - timedelta(days=1), session_at]
    course = course_at("crash-course", starts)
    await import_catalog(db, Catalog(courses=[course], sessions=sessions_at(course.id, starts)))
    users = [f"telegram:{FIRST_USER + i}" for i in range(TRAINEES)]
    await enrol(db, course.id, users, created_at=starts[0] - timedelta(days=1))


async def _start(workdir: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def _reminders(tg: TelegramDouble) -> Counter[int]:
    return Counter(
        c.chat_id
        for c in tg.calls
        if c.method == "sendMessage"
        and c.status == 200
        and c.chat_id is not None
        and "Dersiniz yaklaşıyor" in str(c.params.get("text", ""))
    )


async def test_kill_during_dispatch_loses_nothing(tmp_path: Path, seeded_db: Path) -> None:
    copy_seeded(seeded_db, tmp_path)
    async with TelegramDouble() as tg:
        settings = make_settings(tmp_path)
        db = Database(settings.database_url)
        session_at = datetime.now(UTC) + timedelta(minutes=2, seconds=3)  # due in 3 s
        try:
            await _prepare(db, session_at)
        finally:
            await db.dispose()
        env = child_env()
        env.update(
            MF_DATABASE_URL=settings.database_url,
            MF_DATA_KEY="test-data-key-0123456789",
            MF_TELEGRAM_TOKEN=tg.token,
            MF_TELEGRAM_API_URL=tg.api_url,
            MF_HTTP_PORT=str(free_port()),
            MF_REMINDERS="2m",
            MF_QUIET_HOURS="",
            MF_TELEGRAM_MAX_RATE="150",
        )
        first = await _start(tmp_path, env)
        try:
            await tg.wait_for(lambda: sum(_reminders(tg).values()) >= 300, within=60)
        finally:
            first.send_signal(signal.SIGKILL)  # no clean shutdown: a crash
            await first.wait()
        sent_before = sum(_reminders(tg).values())
        assert sent_before < TRAINEES, "the crash came too late to test anything"

        env["MF_HTTP_PORT"] = str(free_port())
        second = await _start(tmp_path, env)
        try:
            await tg.wait_for(lambda: len(_reminders(tg)) >= TRAINEES, within=90)
        finally:
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 30) == 0

        per_chat = _reminders(tg)
        lost = TRAINEES - len(per_chat)
        duplicates = sum(n - 1 for n in per_chat.values())
        figures = f"{sent_before} sent before the kill, lost {lost}, duplicates {duplicates}"
        logging.getLogger(__name__).warning("crash test: %s", figures)
        assert lost == 0, figures
        assert duplicates <= IN_FLIGHT_BOUND, figures
