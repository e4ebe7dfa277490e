"""The turn log: many users' turns in one commit, a failing turn alone, ids written shortly.

Each test runs three ways: SQLite in one trip to the writer's thread (what the program uses),
SQLite through SQLAlchemy (the fallback) and PostgreSQL (when configured).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage import tables as t
from storage.db import Database
from storage.repos import RECORD_SEEN
from storage.turn_log import TurnLog
from tests.dbutil import PG_ENV, fresh_database, postgres_base_url

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def conversation(state: str | None = "apply:ask_name", **data: Any) -> dict[str, Any]:
    """The columns `SqlStore.conversation_to_save` hands over."""
    return {"state": state, "data": json.dumps(data), "token": "tok", "failures": 0}


@dataclass
class Rig:
    db: Database
    log: TurnLog

    async def count(self, table: Any, **where: str) -> int:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        async with self.db.read() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def ids(self) -> list[tuple[str, str]]:
        query = select(t.processed_messages.c.user_key, t.processed_messages.c.message_id)
        async with self.db.read() as conn:
            return sorted((u, m) for u, m in (await conn.execute(query)).all())

    async def states(self) -> dict[str, str | None]:
        query = select(t.conversations.c.user_key, t.conversations.c.state)
        async with self.db.read() as conn:
            return {u: s for u, s in (await conn.execute(query)).all()}


@pytest.fixture(params=["sqlite-one-trip", "sqlite-sqlalchemy", "postgres"])
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    kind = str(request.param)
    if kind == "postgres" and postgres_base_url() is None:
        pytest.skip(f"PostgreSQL skipped: {PG_ENV} is not set")
    async with fresh_database(kind.partition("-")[0], tmp_path) as db:
        log = TurnLog(db, delay=0.05, one_trip=kind != "sqlite-sqlalchemy")
        try:
            yield Rig(db, log)
        finally:
            await log.close()


async def test_many_users_turns_share_one_commit(rig: Rig) -> None:
    users = [f"telegram:{n}" for n in range(50)]
    arrivals = await asyncio.gather(*(rig.log.arrive(u, NOW, f"m{u}", load=True) for u in users))
    assert rig.log.batches == 1
    assert [a.user["key"] for a in arrivals] == users
    assert all(a.user["created_at"] == NOW and a.user["channel"] == "telegram" for a in arrivals)
    assert all(a.conversation is None and not a.redelivered for a in arrivals)
    assert await rig.count(t.users) == 50

    later = NOW + timedelta(seconds=3)
    firsts = await asyncio.gather(
        *(rig.log.finish(u, later, f"m{u}", conversation(topic=u)) for u in users)
    )
    assert firsts == [True] * 50
    assert rig.log.batches == 2  # fifty turns: two transactions
    assert await rig.ids() == sorted((u, f"m{u}") for u in users)
    assert await rig.states() == dict.fromkeys(users, "apply:ask_name")

    # The next message of each: the row refreshed, the saved conversation read back.
    again = await asyncio.gather(*(rig.log.arrive(u, later, f"n{u}", load=True) for u in users))
    assert rig.log.batches == 3
    for user, arrival in zip(users, again, strict=True):
        assert arrival.user["created_at"] == NOW
        assert arrival.user["last_inbound_at"] == later
        assert arrival.user["unreachable"] is False
        assert arrival.conversation is not None
        assert arrival.conversation["state"] == "apply:ask_name"
        assert json.loads(arrival.conversation["data"]) == {"topic": user}
        assert arrival.conversation["updated_at"] == later
        assert not arrival.redelivered


async def test_a_redelivered_turn_writes_nothing_beside_its_neighbours(rig: Rig) -> None:
    await rig.log.arrive("telegram:1", NOW - timedelta(minutes=5), "m0", load=True)
    async with rig.db.write() as conn:
        row = {"user_key": "telegram:1", "message_id": "m1", "processed_at": NOW}
        await conn.execute(RECORD_SEEN, row)
    # Its arrival says so before anything is done for it.
    arrival = await rig.log.arrive("telegram:1", NOW, "m1", load=True)
    assert arrival.redelivered
    assert not (await rig.log.arrive("telegram:2", NOW, "m2", load=True)).redelivered

    results = await asyncio.gather(
        rig.log.finish("telegram:1", NOW, "m1", conversation("apply:ask_phone")),
        rig.log.finish("telegram:2", NOW, "m2", conversation("apply:ask_phone")),
    )
    assert list(results) == [False, True]
    assert await rig.states() == {"telegram:2": "apply:ask_phone"}
    assert await rig.ids() == [("telegram:1", "m1"), ("telegram:2", "m2")]


async def test_a_failing_turn_fails_alone(rig: Rig) -> None:
    broken = {**conversation(), "data": None}  # the data column may not be NULL
    batches = rig.log.batches
    results = await asyncio.gather(
        rig.log.finish("telegram:1", NOW, "m1", conversation()),
        rig.log.finish("telegram:2", NOW, "m2", broken),
        rig.log.finish("telegram:3", NOW, "m3", conversation()),
        return_exceptions=True,
    )
    assert results[0] is True
    assert isinstance(results[1], Exception)
    assert "null" in str(results[1]).lower()  # as the database said it
    assert results[2] is True
    # Its id went back with its conversation; the others were written one by one.
    assert await rig.ids() == [("telegram:1", "m1"), ("telegram:3", "m3")]
    assert await rig.states() == {"telegram:1": "apply:ask_name", "telegram:3": "apply:ask_name"}
    assert rig.log.batches == batches + 2
    # Nothing was left half open: the next batch writes as usual.
    assert await rig.log.finish("telegram:2", NOW, "m2", conversation()) is True
    assert await rig.count(t.conversations) == 3


async def test_ids_of_turns_that_changed_nothing_are_written_shortly_unawaited(rig: Rig) -> None:
    for n in range(3):
        rig.log.seen(f"telegram:{n}", f"q{n}", NOW)
    assert await rig.ids() == []  # handed in, not written yet: nobody waits for them
    await asyncio.sleep(0.3)
    assert await rig.ids() == [(f"telegram:{n}", f"q{n}") for n in range(3)]
    assert rig.log.batches == 1
    # An awaited turn takes the ids waiting at that moment along, without the delay.
    rig.log.seen("telegram:9", "q9", NOW)
    assert await rig.log.finish("telegram:8", NOW, "m8", conversation()) is True
    assert ("telegram:9", "q9") in await rig.ids()
    assert rig.log.batches == 2


async def test_an_erased_users_pending_ids_are_dropped(rig: Rig) -> None:
    rig.log.seen("telegram:1", "q1", NOW)
    rig.log.seen("telegram:2", "q2", NOW)
    async with rig.db.write():  # as the erasing turn's transaction
        rig.log.forget("telegram:1")
    await rig.log.close()
    assert await rig.ids() == [("telegram:2", "q2")]


async def test_a_cancelled_caller_still_gets_its_work_written(rig: Rig) -> None:
    waiting = asyncio.create_task(rig.log.finish("telegram:1", NOW, "m1", conversation()))
    await asyncio.sleep(0)  # handed in
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await rig.log.close()
    assert await rig.ids() == [("telegram:1", "m1")]
    assert await rig.states() == {"telegram:1": "apply:ask_name"}


async def test_nothing_waits_for_a_long_write_of_another(tmp_path: Path) -> None:
    """The reads a turn makes for display go around the writer (SQLite's kept reader)."""
    async with fresh_database("sqlite", tmp_path) as db:
        log = TurnLog(db)
        try:
            await log.arrive("telegram:1", NOW, "m1", load=True)
            async with db.write():  # a long write holds the lock meanwhile
                count = await asyncio.wait_for(
                    db.read_now(select(func.count()).select_from(t.users)), 1
                )
                assert count.scalar_one() == 1
        finally:
            await log.close()


async def test_a_user_twice_in_one_batch_is_written_in_order(rig: Rig) -> None:
    # The engine never does this (a user's turns run one at a time); the log still keeps order
    # (on PostgreSQL by the statements one at a time, not the one-statement batch).
    arrival, first = await asyncio.gather(
        rig.log.arrive("telegram:1", NOW, "m1", load=True),
        rig.log.finish("telegram:1", NOW, "m1", conversation("apply:ask_phone")),
    )
    assert rig.log.batches == 1
    assert arrival.user["created_at"] == NOW
    assert arrival.conversation is None
    assert first is True
    assert await rig.states() == {"telegram:1": "apply:ask_phone"}
    later = NOW + timedelta(seconds=1)
    again = await rig.log.arrive("telegram:1", later, "m1", load=True)
    assert again.redelivered
    assert again.conversation is None
    fresh = await rig.log.arrive("telegram:1", later, "m2", load=True)
    assert fresh.conversation is not None
    assert fresh.conversation["state"] == "apply:ask_phone"
