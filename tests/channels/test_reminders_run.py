"""`run()` with the Telegram double: reminders arrive on time with buttons; answers are stored;
a cancelled session gives one notice and no reminder."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.run import run
from core.catalog import Catalog
from storage import tables as t
from storage.catalog_repo import import_catalog
from storage.db import Database
from storage.session_changes import cancel_session
from tests.bot.conftest import copy_seeded, make_settings
from tests.course_setup import course_at, enrol, sessions_at
from tests.doubles.telegram_api import TelegramDouble
from tests.processes import free_port

USER = 880011


async def _prepare(db: Database, first: datetime, second: datetime) -> None:
    """A course with two sessions a few minutes ahead and one trainee linked to USER."""
    starts = [first, second]
    course = course_at("test-reminder-course", starts)
    await import_catalog(db, Catalog(courses=[course], sessions=sessions_at(course.id, starts)))
    await enrol(db, course.id, [f"telegram:{USER}"])


async def test_reminders_arrive_on_time_and_answers_are_recorded(
    tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    async with TelegramDouble() as tg:
        settings = make_settings(
            tmp_path,
            telegram_token=tg.token,
            telegram_api_url=tg.api_url,
            http_port=str(free_port()),
            reminders="2m",
            quiet_hours="",
        )
        now = datetime.now(UTC).replace(microsecond=0)
        first = now + timedelta(minutes=2, seconds=10)  # its reminder is due in 10 s
        second = now + timedelta(minutes=2, seconds=40)  # cancelled before its reminder
        db = Database(settings.database_url)
        await _prepare(db, first, second)
        stop = asyncio.Event()
        task = asyncio.create_task(run(settings, stop=stop))
        try:
            async with db.write() as conn:  # staff cancel the second session at once
                change = await cancel_session(conn, "test-reminder-course-2", "Tatil", now)
            assert change.told == 1

            def reminders() -> list[str]:
                return [x for x in tg.sent_texts(USER) if "Dersiniz yaklaşıyor" in x]

            await tg.wait_for(lambda: reminders(), within=60)
            arrived = time.time()
            due = (first - timedelta(minutes=2)).timestamp()
            assert arrived - due < 30, f"reminder {arrived - due:.1f} s late"
            labels = [b["text"] for b in tg.buttons(USER)]
            assert "Geleceğim" in labels
            assert "Gelemeyeceğim" in labels
            tg.press_label(USER, "Geleceğim")
            await tg.wait_for(lambda: any("not aldım" in x for x in tg.sent_texts(USER)))
            async with db.read() as conn:
                answers = (await conn.execute(select(t.attendance))).all()
            assert [(a.session_id, a.answer) for a in answers] == [
                ("test-reminder-course-1", "yes")
            ]
            await tg.settle(3)
            notices = [x for x in tg.sent_texts(USER) if "iptal edildi" in x]
            assert len(notices) == 1
            assert len(reminders()) == 1  # none for the cancelled session
        finally:
            stop.set()
            assert await asyncio.wait_for(task, 30) == 0
            await db.dispose()
