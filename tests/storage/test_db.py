"""The database layer itself: one trip per statement on SQLite, the kept writer, cached upserts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from storage import sqlite_onehop
from storage import tables as t
from storage.db import Database, WriteLock
from storage.migrate import upgrade
from storage.repos import RECORD_SEEN

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SEEN = RECORD_SEEN  # the engine's own statement for a handled message id


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await upgrade(db)
    yield db
    await db.dispose()


async def test_statements_take_one_trip_and_keep_dbapi_semantics(sqlite_db: Database) -> None:
    async with sqlite_db.write() as conn:
        raw = (await conn.get_raw_connection()).dbapi_connection
        assert type(raw).__name__ == "OneHopConnection"
        rows = [{"user_key": "u", "message_id": str(n), "processed_at": NOW} for n in range(5)]
        assert (await conn.execute(SEEN, rows)).rowcount == 5  # executemany
        again = await conn.execute(SEEN, rows[:2] + [{**rows[0], "message_id": "new"}])
        assert again.rowcount == 1  # ON CONFLICT DO NOTHING skipped two
        one = await conn.execute(SEEN, {**rows[0], "message_id": "x"})
        assert one.rowcount == 1
        count = await conn.execute(select(func.count()).select_from(t.processed_messages))
        assert count.scalar_one() == 7
        got = await conn.execute(select(t.processed_messages.c.processed_at).limit(1))
        assert got.scalar_one() == NOW  # typed results still come back aware
        with pytest.raises(Exception, match="no such table"):  # errors still surface
            await conn.execute(text("SELECT * FROM nowhere"))
    async with sqlite_db.read() as conn:
        count = await conn.execute(select(func.count()).select_from(t.processed_messages))
        assert count.scalar_one() == 7


async def test_the_kept_writer_survives_a_failed_transaction(sqlite_db: Database) -> None:
    row = {"user_key": "u", "message_id": "1", "processed_at": NOW}

    async def failing_turn() -> None:
        async with sqlite_db.write() as conn:
            await conn.execute(SEEN, row)
            raise RuntimeError("the turn failed")

    with pytest.raises(RuntimeError):
        await failing_turn()
    async with sqlite_db.write() as conn:
        assert (await conn.execute(SEEN, row)).rowcount == 1
    async with sqlite_db.read() as conn:
        count = await conn.execute(select(func.count()).select_from(t.processed_messages))
        assert count.scalar_one() == 1


def test_an_unknown_adapter_is_left_alone() -> None:
    assert sqlite_onehop.enable(object()) is False


async def test_an_urgent_writer_goes_before_ordinary_ones_waiting() -> None:
    lock = WriteLock()
    order: list[str] = []
    release = asyncio.Event()

    async def writer(name: str, urgent: bool = False) -> None:
        async with lock.hold(urgent):
            order.append(name)
            if name == "first":
                await release.wait()

    first = asyncio.create_task(writer("first"))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(writer(f"turn{n}")) for n in range(3)]
    await asyncio.sleep(0)
    webhook = asyncio.create_task(writer("webhook", urgent=True))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, webhook, *waiting)
    assert order == ["first", "webhook", "turn0", "turn1", "turn2"]
    assert not lock.locked


async def test_a_writer_cancelled_while_waiting_passes_the_lock_on() -> None:
    lock = WriteLock()
    got: list[str] = []
    async with lock.hold():
        cancelled = asyncio.create_task(_take(lock, got, "cancelled"))
        after = asyncio.create_task(_take(lock, got, "after"))
        await asyncio.sleep(0)
        cancelled.cancel()
    await asyncio.gather(cancelled, after, return_exceptions=True)
    assert got == ["after"]
    assert not lock.locked
    async with lock.hold():  # still usable
        assert lock.locked


async def _take(lock: WriteLock, got: list[str], name: str) -> None:
    async with lock.hold():
        got.append(name)


async def test_a_writer_cancelled_just_as_it_was_handed_the_lock_passes_it_on() -> None:
    lock = WriteLock()
    got: list[str] = []
    holder = lock.hold()
    await holder.__aenter__()
    cancelled = asyncio.create_task(_take(lock, got, "cancelled"))
    after = asyncio.create_task(_take(lock, got, "after"))
    await asyncio.sleep(0)
    await holder.__aexit__(None, None, None)  # handed to `cancelled`, which has not run yet
    cancelled.cancel()
    await asyncio.gather(cancelled, after, return_exceptions=True)
    assert got == ["after"]
    assert not lock.locked
