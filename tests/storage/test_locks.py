"""Advisory locks on PostgreSQL: one holder at a time, released when its session ends, noticed
when its connection is cut; `bot.leader.Holder` takes over. SQLite: always this instance's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.leader import Holder
from storage.db import Database
from storage.locks import AdvisoryLock, SoleLock
from tests.dbutil import fresh_database, postgres_base_url


@pytest.fixture
async def pg(tmp_path: Path) -> AsyncIterator[Database]:
    if postgres_base_url() is None:
        pytest.skip("PostgreSQL not configured (MF_TEST_DATABASE_URL)")
    async with fresh_database("postgres", tmp_path) as db:
        yield db


async def test_one_instance_holds_a_lock_until_it_lets_go(pg: Database) -> None:
    first, second = AdvisoryLock(pg.url, "scheduler"), AdvisoryLock(pg.url, "scheduler")
    other = AdvisoryLock(pg.url, "telegram-polling:telegram:1")
    try:
        assert await first.try_acquire()
        assert await first.try_acquire()  # still this one's
        assert not await second.try_acquire()
        assert await other.try_acquire()  # another name is another lock
        await first.close()
        assert await second.try_acquire()
        assert await second.still_held()
    finally:
        for lock in (first, second, other):
            await lock.close()


async def test_a_cut_connection_loses_the_lock_and_another_takes_it(pg: Database) -> None:
    lost, taker = AdvisoryLock(pg.url, "scheduler"), AdvisoryLock(pg.url, "scheduler")
    try:
        assert await lost.try_acquire()
        async with pg.write() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'meslek-bot lock scheduler'"
                )
            )
        assert not await lost.still_held()
        assert await taker.try_acquire()
        assert not await lost.try_acquire()  # a new session of its own holds nothing
    finally:
        await lost.close()
        await taker.close()


async def test_a_standing_by_holder_takes_over_when_the_leader_stops(pg: Database) -> None:
    events: list[str] = []

    def holder(name: str) -> Holder:
        async def gain() -> None:
            events.append(f"{name} leads")

        async def lose() -> None:
            events.append(f"{name} stops")

        return Holder(AdvisoryLock(pg.url, "scheduler"), gain, lose, every=0.1)

    leader, standby = holder("a"), holder("b")
    await leader.start()
    await standby.start()
    try:
        assert (leader.held, standby.held) == (True, False)
        await leader.stop()
        for _ in range(50):
            if standby.held:
                break
            await asyncio.sleep(0.1)
        assert standby.held
        assert events == ["a leads", "a stops", "b leads"]
    finally:
        await leader.stop()
        await standby.stop()


async def test_on_sqlite_the_only_instance_always_holds_it() -> None:
    lock = SoleLock("scheduler")
    holder = Holder(lock)
    await holder.start()
    assert holder.held
    assert await lock.still_held()
    await holder.stop()
