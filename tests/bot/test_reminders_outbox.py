"""Planning and dispatching pushes on a real database, with a sender that records."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from bot.app import Assistant, build_assistant
from bot.outbox import Dispatcher
from bot.pushes import PushRenderer
from bot.ratelimit import RateLimiter
from bot.scheduler import ReminderScheduler
from core.delivery import Blocked, RetryLater
from core.messages import Reply
from locales import load_translator
from storage import tables as t
from storage.session_changes import cancel_session, move_session
from tests.bot.conftest import copy_seeded, make_settings


@dataclass
class RecordingSender:
    sent: list[tuple[str, list[Reply], str]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    retry_once: set[str] = field(default_factory=set)

    async def push(self, user_key: str, replies: list[Reply], kind: str) -> str:
        if user_key in self.blocked:
            raise Blocked(user_key)
        if user_key in self.retry_once:
            self.retry_once.discard(user_key)
            raise RetryLater(0.01)
        self.sent.append((user_key, replies, kind))
        return "sent"


@dataclass
class World:
    assistant: Assistant
    sender: RecordingSender
    scheduler: ReminderScheduler
    now: list[datetime]
    session: str
    course: str

    def clock(self) -> datetime:
        return self.now[0]


@pytest.fixture
async def world(tmp_path: Path, seeded_db: Path) -> AsyncIterator[World]:
    copy_seeded(seeded_db, tmp_path)
    settings = make_settings(tmp_path, reminders="eve@18:00,120m", quiet_hours="21:30-08:30")
    a = await build_assistant(settings)
    async with a.db.read() as conn:
        first = (
            await conn.execute(
                select(t.sessions.c.id, t.sessions.c.course_id, t.sessions.c.starts_at)
                .where(
                    t.sessions.c.status == "scheduled", t.sessions.c.starts_at > datetime.now(UTC)
                )
                .order_by(t.sessions.c.starts_at)
                .limit(1)
            )
        ).one()
    now = [first.starts_at - timedelta(days=2)]
    async with a.db.write() as conn:
        await conn.execute(
            insert(t.users).values(key="telegram:1", channel="telegram", created_at=now[0])
        )
        await conn.execute(
            insert(t.enrolments).values(
                course_id=first.course_id,
                user_key="telegram:1",
                full_name="Ayşe Yılmaz",
                phone="+905321234567",
                source="desk",
                created_at=now[0],
            )
        )
    sender = RecordingSender()
    clock = lambda: now[0]  # noqa: E731 - a frozen, movable clock
    dispatcher = Dispatcher(
        a.db,
        {"telegram": sender},
        {"telegram": RateLimiter(1000, per_chat=0)},
        PushRenderer(a.db, load_translator(), settings.tz, "tr"),
        clock,
        quiet=settings.quiet_window,
        tz=settings.tz,
    )
    scheduler = ReminderScheduler(a.db, settings, dispatcher, clock=clock)
    try:
        yield World(a, sender, scheduler, now, first.id, first.course_id)
    finally:
        await a.close()


async def outbox(world: World) -> list[dict[str, Any]]:
    async with world.assistant.db.read() as conn:
        rows = await conn.execute(select(t.outbox).order_by(t.outbox.c.due_at))
        return [dict(r._mapping) for r in rows]


async def test_planning_writes_each_reminder_once(world: World) -> None:
    first = await world.scheduler.plan()
    again = await world.scheduler.plan()
    rows = [r for r in await outbox(world) if r["session_id"] == world.session]
    kinds = sorted(json.loads(str(r["payload"]))["rkind"] for r in rows if r["kind"] == "reminder")
    assert kinds == ["eve1800", "m120"]
    assert first > 0
    assert again == 0  # the unique key keeps a second run from doubling anything
    assert any(r["kind"] == "welcome" for r in await outbox(world))


async def test_due_reminders_go_out_with_buttons_and_answers_are_stored(world: World) -> None:
    await world.scheduler.plan()
    reminders = [r for r in await outbox(world) if r["kind"] == "reminder"]
    world.now[0] = max(r["due_at"] for r in reminders if r["session_id"] == world.session)
    report = await world.scheduler.dispatcher.drain()
    assert report.sent >= 2
    reminder = next(r for u, rs, k in world.sender.sent if k == "reminder" for r in rs)
    labels = [b.label for b in reminder.buttons]
    assert labels == ["Geleceğim", "Gelemeyeceğim"]
    # The trainee answers through the engine, as they would by pressing the button.
    from core.messages import Incoming, Kind

    await world.assistant.engine.handle(
        Incoming(user="telegram:1", kind=Kind.BUTTON, data=reminder.buttons[1].data)
    )
    async with world.assistant.db.read() as conn:
        answer = (await conn.execute(select(t.attendance.c.answer))).scalar_one()
    assert answer == "no"


async def test_nothing_is_sent_in_quiet_hours(world: World) -> None:
    await world.scheduler.plan()
    local = world.now[0].astimezone(world.assistant.settings.tz)
    world.now[0] = local.replace(hour=23, minute=0) + timedelta(days=3)
    report = await world.scheduler.dispatcher.run_once()
    assert report.sent == 0
    assert world.sender.sent == []


async def test_retry_after_and_blocked_users(world: World) -> None:
    await world.scheduler.plan()
    world.sender.retry_once.add("telegram:1")
    world.now[0] = world.now[0] + timedelta(minutes=1)
    first = await world.scheduler.dispatcher.run_once()
    assert first.retried == 1
    world.now[0] = world.now[0] + timedelta(seconds=1)
    second = await world.scheduler.dispatcher.run_once()
    assert second.sent == 1  # the welcome, once
    world.sender.blocked.add("telegram:1")
    reminders = [r for r in await outbox(world) if r["kind"] == "reminder"]
    world.now[0] = min(r["due_at"] for r in reminders)
    report = await world.scheduler.dispatcher.drain()
    assert report.reasons.get("blocked") == 1
    async with world.assistant.db.read() as conn:
        unreachable = (
            await conn.execute(select(t.users.c.unreachable).where(t.users.c.key == "telegram:1"))
        ).scalar_one()
    assert unreachable is True


async def test_rows_left_sending_by_a_crash_are_sent_again(world: World) -> None:
    await world.scheduler.plan()
    async with world.assistant.db.write() as conn:
        await conn.execute(update(t.outbox).values(status="sending"))
    assert await world.scheduler.dispatcher.recover() >= 2
    statuses = {r["status"] for r in await outbox(world)}
    assert statuses == {"queued"}


async def test_a_reminder_for_a_session_already_started_is_skipped(world: World) -> None:
    await world.scheduler.plan()
    world.now[0] = world.now[0] + timedelta(days=3)  # came back after downtime
    report = await world.scheduler.dispatcher.drain()
    assert report.reasons.get("session_started", 0) >= 1
    assert all(k != "reminder" for _, _, k in world.sender.sent)


async def test_cancelled_session_tells_once_and_drops_its_reminders(world: World) -> None:
    await world.scheduler.plan()
    async with world.assistant.db.write() as conn:
        change = await cancel_session(conn, world.session, "Eğitmen hasta", world.now[0])
    assert change.told == 1
    assert change.dropped == 2
    await world.scheduler.plan()
    rows = await outbox(world)
    assert not [r for r in rows if r["kind"] == "reminder" and r["session_id"] == world.session]
    await world.scheduler.dispatcher.drain()
    notices = [rs[0].text for _, rs, k in world.sender.sent if k == "session_cancelled"]
    assert len(notices) == 1
    assert "iptal" in notices[0]
    assert "Eğitmen hasta" in notices[0]


async def test_moved_session_is_replanned(world: World) -> None:
    await world.scheduler.plan()
    tz = world.assistant.settings.tz
    new_start = (world.now[0] + timedelta(days=4)).astimezone(tz).replace(hour=18, minute=30)
    async with world.assistant.db.write() as conn:
        change = await move_session(conn, world.session, new_start, world.now[0])
    assert change.told == 1
    await world.scheduler.plan()
    rows = [r for r in await outbox(world) if r["session_id"] == world.session]
    due = sorted(r["due_at"] for r in rows if r["kind"] == "reminder")
    assert due[-1] == new_start - timedelta(minutes=120)


async def test_a_trainee_gets_reminders_in_their_language_and_answers_in_it(world: World) -> None:
    async with world.assistant.db.write() as conn:
        await conn.execute(update(t.users).where(t.users.c.key == "telegram:1").values(locale="ar"))
    await world.scheduler.plan()
    reminders = [r for r in await outbox(world) if r["kind"] == "reminder"]
    world.now[0] = max(r["due_at"] for r in reminders if r["session_id"] == world.session)
    await world.scheduler.dispatcher.drain()
    reminder = next(r for u, rs, k in world.sender.sent if k == "reminder" for r in rs)
    assert "هل ستتمكن من الحضور؟" in reminder.text
    assert "\u2068" in reminder.text  # the Turkish course and centre names are isolated
    assert [b.label for b in reminder.buttons] == ["سأحضر", "لن أتمكن من الحضور"]
    from core.messages import Incoming, Kind

    replies = await world.assistant.engine.handle(
        Incoming(user="telegram:1", kind=Kind.BUTTON, data=reminder.buttons[0].data)
    )
    assert "شكرًا" in replies[0].text
