"""Three `meslek-bot run` processes on one PostgreSQL share what only one may have: the bot's
rate budget (in PostgreSQL, or in Redis with MF_REDIS_URL), the scheduler's clock jobs and
Telegram polling (advisory locks, taken over after a `kill -9`).

The Telegram Bot API double (in this process) refuses with 429 beyond its rate per second by
arrival and 1 per second per chat; the checks are counts and per-second maxima there, never
latencies, so they hold on a busy 2-core machine.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, make_url, select

from bot.app import open_database
from bot.settings import load_settings
from core.catalog import Catalog
from storage import tables as t
from storage.catalog_repo import import_catalog
from storage.db import Database
from storage.session_changes import bump_catalog_version
from tests.channels.budget_setup import queue_decisions, queue_welcome
from tests.channels.instances import STARTED, Instance, busiest_second, instances, wait_for_log
from tests.course_setup import course_at, enrol, sessions_at
from tests.dbutil import fresh_postgres_url, postgres_base_url
from tests.doubles.telegram_api import SEND_METHODS, TelegramDouble

log = logging.getLogger(__name__)
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REDIS_ENV = "MF_TEST_REDIS_URL"
RATE = 10  # the bot's rate at the double, and MF_TELEGRAM_MAX_RATE
DATA_KEY = "instances-test-key-0123456789"
HOLDS = ": this instance holds it"
TAKEN_OVER = ": taken over by this instance"
LEADER = "scheduler"
POLLER = "telegram-polling:telegram:123456"  # the lock of the double's bot (DEFAULT_TOKEN)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh database on the test server (named after it), dropped afterwards."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL not configured (MF_TEST_DATABASE_URL)")
    async with fresh_postgres_url(base, prefix=make_url(base).database or "mf_test") as url:
        yield url


@pytest.fixture
async def db(pg_url: str) -> AsyncIterator[Database]:
    """The database migrated and holding the sample catalog before any instance starts."""
    database, _ = await open_database(load_settings(database_url=pg_url, data_key=DATA_KEY))
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def tg() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble() as double:
        double.failures.rate_overall = RATE
        double.failures.rate_per_chat = 1
        yield double


def _env(pg_url: str, tg: TelegramDouble, **extra: str) -> dict[str, str]:
    return {
        "MF_DATABASE_URL": pg_url,
        "MF_DATA_KEY": DATA_KEY,
        "MF_TELEGRAM_TOKEN": tg.token,
        "MF_TELEGRAM_API_URL": tg.api_url,
        "MF_TELEGRAM_MAX_RATE": str(RATE),
        "MF_QUIET_HOURS": "",
        "MF_REMINDERS": "2m",
        **extra,
    }


async def _redis_url() -> str:
    """The Redis to test on, emptied of the budget's keys; skips when none is configured."""
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"Redis not configured ({REDIS_ENV})")
    client = Redis.from_url(url)
    try:
        async for key in client.scan_iter("mf:budget:*"):
            await client.delete(key)
    finally:
        await client.aclose()
    return url


async def _unsent(db: Database) -> int:
    async with db.read() as conn:
        query = select(func.count()).select_from(t.outbox).where(t.outbox.c.status != "sent")
        return int((await conn.execute(query)).scalar_one())


async def _until(check: Callable[[], Awaitable[bool] | bool], within: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if not isinstance(value, bool):
            value = await value
        if value:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.2)


async def _start_all(group: list[Instance]) -> None:
    for instance in group:
        instance.start()
    for instance in group:
        await wait_for_log(instance, STARTED)


@pytest.mark.parametrize("store", ["postgres", "redis"])
async def test_three_instances_stay_within_one_rate_and_send_each_push_once(
    store: str,
    pg_url: str,
    db: Database,
    tg: TelegramDouble,
    tmp_path: Path,
) -> None:
    extra = {"MF_REDIS_URL": await _redis_url()} if store == "redis" else {}
    welcomed = [700_000 + n for n in range(6)]  # a welcome is two messages: text, then venue
    decided: list[int] = []  # one message each
    asking = [720_000 + n for n in range(10)]  # people writing meanwhile: replies go first
    with instances(tmp_path, _env(pg_url, tg, **extra), 3) as group:
        await _start_all(group)
        now = datetime.now(UTC)
        for chat in welcomed:
            await queue_welcome(db, f"telegram:{chat}", now)
        # 12 pushes a second for 6 s against a budget of 9 a second: every instance has work.
        for wave in range(6):
            chats = [710_000 + wave * 100 + n for n in range(12)]
            keys = [f"telegram:{c}" for c in chats]
            await queue_decisions(db, keys, datetime.now(UTC), first=wave * 100)
            decided += chats
            if wave == 2:
                for chat in asking:
                    tg.send_text(chat, "merhaba")
            await asyncio.sleep(1.0)
        await _until(lambda: _none_unsent(db), 120, "every push sent")
        await tg.wait_for(lambda: all(tg.sent_texts(c) for c in asking), within=60)
        await tg.settle(1.0)
        dispatching = [i.name for i in group if "dispatch: sent=" in i.log()]

    sends = [c for c in tg.calls if c.method in SEND_METHODS]
    busiest = busiest_second([c.at for c in sends])
    log.info(  # the figures, with --log-cli-level=INFO
        "%s: %d requests in %.1f s, busiest second %d (limit %d)",
        store, len(sends), sends[-1].at - sends[0].at, busiest, RATE,
    )  # fmt: skip
    assert [c for c in sends if c.status != 200] == []  # not one 429
    assert busiest <= RATE
    assert all(len(tg.sent_texts(c)) == 1 for c in decided)  # each push exactly once
    assert all(len(tg.sent_texts(c)) == 1 for c in welcomed)
    assert all(len(tg.calls_to("sendVenue", c)) == 1 for c in welcomed)
    assert len(dispatching) >= 2, dispatching  # the pushes really went out from several


async def _none_unsent(db: Database) -> bool:
    return await _unsent(db) == 0


async def test_the_leader_and_the_poller_are_taken_over_after_a_kill(
    pg_url: str, db: Database, tg: TelegramDouble, tmp_path: Path
) -> None:
    with instances(tmp_path, _env(pg_url, tg), 3) as group:
        first, *others = group
        await _start_all([first])  # the first one takes both locks
        assert first.count(LEADER + HOLDS) == 1
        assert first.count(POLLER + HOLDS) == 1
        await _start_all(others)
        for instance in others:  # standing by
            assert HOLDS not in instance.log()
            assert "another instance polls; standing by" in instance.log()

        first.kill()

        def took(lock: str) -> list[Instance]:
            return [i for i in others if lock + TAKEN_OVER in i.log()]

        await _until(lambda: len(took(LEADER)) == 1, 30, "a new scheduler leader")
        await _until(lambda: len(took(POLLER)) == 1, 30, "a new poller")

        # The new poller answers; the new leader plans a reminder for a session added now.
        tg.send_text(730_001, "merhaba")
        await tg.wait_for(lambda: tg.sent_texts(730_001), within=30)
        starts = [datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2, seconds=20)]
        course = course_at("leader-test-course", starts)
        await import_catalog(db, Catalog(courses=[course], sessions=sessions_at(course.id, starts)))
        await enrol(db, course.id, ["telegram:730002"])
        async with db.write() as conn:
            await bump_catalog_version(conn)  # as the CLI and the panel do after a change

        def reminded() -> list[str]:
            return [x for x in tg.sent_texts(730_002) if "Dersiniz yaklaşıyor" in x]

        await tg.wait_for(reminded, within=90)
        await tg.settle(3.0)
        assert len(reminded()) == 1
        [leader] = took(LEADER)
        assert len(took(POLLER)) == 1  # exactly one instance polls again
        [standing_by] = [i for i in others if i is not leader]
        assert standing_by.count("planned ") == 0  # only the leader plans
