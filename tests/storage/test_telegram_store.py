"""Kept Telegram updates (`storage/telegram_store.py`): stored once, sealed, handled once with
their kept answer cleared; with several instances on PostgreSQL, each user held by one
instance (which reads what others stored for the user) until its lease runs out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from storage import tables as t
from storage.crypto import IdVault
from storage.db import Database
from storage.telegram_store import Handled, Kept, Stored, TelegramStore
from storage.wa_claims import Claim
from tests.storage.test_leases import pg  # noqa: F401 - the PostgreSQL fixture (used below)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
VAULT = IdVault("test-data-key-0123456789")
USER = "telegram:42"
PAYLOAD = '{"update_id":7,"message":{"text":"TC 10000000146"}}'


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def _user(db: Database) -> None:
    async with db.write() as conn:
        await conn.execute(insert(t.users).values(key=USER, channel="telegram", created_at=NOW))


def _kept(update_id: int) -> Kept:
    return Kept(update_id, USER, PAYLOAD.replace("7", str(update_id), 1), NOW)


async def test_an_update_is_stored_once_sealed_and_handled_once(any_db: Database) -> None:
    store = TelegramStore(any_db, Clock(), VAULT, owner="a", lease=LEASE)
    first, again, other = store.keep(_kept(7)), store.keep(_kept(7)), store.keep(_kept(8))
    stored = await asyncio.gather(first, again, other)
    assert [s.new for s in stored] == [True, False, True]
    assert (await store.keep(_kept(7))).new is False  # delivered again later: not new
    async with any_db.read() as conn:
        raw = (await conn.execute(select(t.tg_inbound.c.payload))).scalars().all()
    assert raw
    assert all("10000000146" not in p for p in raw)  # sealed at rest
    assert [k.payload for k in await store.unprocessed()] == [_kept(7).payload, _kept(8).payload]

    await _user(any_db)
    async with any_db.write() as conn:  # the turn kept its answer with its id
        await conn.execute(
            insert(t.processed_messages).values(
                user_key=USER, message_id="tg:7", processed_at=NOW, replies="sealed-answer"
            )
        )
    await store.handled(Handled(7, USER, "tg:7"))
    assert [k.update_id for k in await store.unprocessed()] == [8]
    async with any_db.read() as conn:
        kept = (await conn.execute(select(t.processed_messages.c.replies))).scalar()
        handled = (
            await conn.execute(select(t.tg_inbound).where(t.tg_inbound.c.update_id == 7))
        ).one()
    assert kept is None  # sent: nothing to send again
    assert handled.payload == "{}"
    assert await store.prune(NOW + timedelta(days=1)) == 1  # the handled one, not update 8
    assert [k.update_id for k in await store.unprocessed()] == [8]


async def test_an_erased_users_updates_go_when_their_last_one_is_handled(any_db: Database) -> None:
    store = TelegramStore(any_db, Clock(), VAULT)
    await store.keep(_kept(7))
    await store.keep(_kept(8))  # written right after "verilerimi sil", not handled yet
    await store.handled(Handled(7, USER, "tg:7"))  # "verilerimi sil": the user is gone
    assert [k.update_id for k in await store.unprocessed()] == [8]  # still to be answered
    async with any_db.read() as conn:
        assert len((await conn.execute(select(t.tg_inbound))).all()) == 1


async def test_a_user_is_held_by_one_instance_which_reads_what_others_stored(
    pg: Database,  # noqa: F811 - the fixture imported above
) -> None:
    await _user(pg)
    clock = Clock()
    a = TelegramStore(pg, clock, VAULT, owner="a", lease=LEASE)
    b = TelegramStore(pg, clock, VAULT, owner="b", lease=LEASE)
    assert await a.keep(_kept(7)) == Stored(True, Claim(USER, True, True, 1), 1)
    second = await b.keep(_kept(8))  # the next one reaches "b": "a" holds the user
    assert second == Stored(True, Claim(USER, False, False, 2), 1)
    assert await b.held(USER) == (-1, [])  # not "b"'s to handle
    # "a" handled 7 and lets go having taken in one: 8 is left for it, in order.
    assert await a.handled(Handled(7, USER, "tg:7", release=1)) == (2, [_kept(8)])
    assert await a.handled(Handled(8, USER, "tg:8", release=2)) is None  # let go
    assert await b.keep(_kept(9)) == Stored(True, Claim(USER, True, True, 1), 1)  # "b"'s now
    clock.now = NOW + timedelta(seconds=20)
    assert await a.take_over() == []  # "b" lives
    assert await b.renew([USER]) == 1
    clock.now = NOW + timedelta(seconds=31)
    assert await a.take_over() == []  # renewed: still "b"'s
    clock.now = NOW + timedelta(seconds=51)  # "b" died after renewing
    assert await a.take_over() == [USER]
    assert await a.take_over() == []  # taken once
    assert await a.held(USER) == (1, [_kept(9)])  # the claim's count; opened: as stored
    assert await b.release(USER, 1) == (-1, [])  # "b" can no longer let it go
    assert await a.handled(Handled(9, USER, "tg:9", release=1)) is None
    assert await b.take_over() == []  # nothing left unhandled
