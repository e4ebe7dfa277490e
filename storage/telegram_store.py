"""Telegram updates kept from their arrival until handled (`tg_inbound`), group-committed.

An update is stored (sealed: what the citizen typed may be a national id) before Telegram is
told it arrived — the webhook's 200, the next getUpdates — and marked handled once its answer
was sent, which also clears the answer the turn kept (`processed_messages.replies`). A crash in
between leaves it unhandled: the one SQLite instance handles it again at start; instances
sharing PostgreSQL hold what they store with a lease they renew while handling it, and take
over what a crashed instance held once its lease ran out (as the outbox's claimed rows). The
update id is the key: an update delivered again is not stored, nor handled, twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.crypto import IdVault
from storage.db import Database
from storage.group_commit import After, GroupCommit
from storage.tables import tg_inbound, users
from storage.whatsapp_repo import HANDLED_PAYLOAD, clear_replies

NOBODY = "-"  # user_key of an update that comes from no user
TAKE_AT_ONCE = 500


@dataclass(frozen=True, slots=True)
class Kept:
    """An update as stored: its id, its user, its JSON and when it came."""

    update_id: int
    user_key: str
    payload: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Handled:
    """An update whose answer went out; `message_id` is its turn's id (its kept answer)."""

    update_id: int
    user_key: str
    message_id: str


class TelegramStore:
    """Group commit for the kept updates; reads and leases go straight to the database."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        vault: IdVault,
        *,
        owner: str | None = None,
        lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self.db = db
        self.clock = clock
        self.vault = vault
        # Several instances share PostgreSQL: each holds what it stored, under a lease. One
        # SQLite file has one instance, which handles everything stored in it.
        self.owner = None if db.is_sqlite else owner
        self.lease = lease
        self._batches: GroupCommit[Kept | Handled] = GroupCommit(self._commit)

    def keep(self, kept: Kept, after: After | None = None) -> asyncio.Future[Any]:
        """Hands in an update to store; the future (and `after`) says at its commit whether it
        is new."""
        return self._batches.later(kept, after)

    async def handled(self, done: Handled) -> None:
        """Marks an update handled and forgets its content and its kept answer."""
        await self._batches.submit(done)

    async def drain(self) -> None:
        await self._batches.drain()

    # Reads and leases ------------------------------------------------------------------------

    async def unprocessed(self) -> list[Kept]:
        """Updates stored but not handled (one instance: all of them are its own)."""
        query = (
            select(tg_inbound)
            .where(tg_inbound.c.processed_at.is_(None))
            .order_by(tg_inbound.c.update_id)
        )
        async with self.db.read() as conn:
            return self._opened((await conn.execute(query)).all())

    async def renew(self, update_ids: list[int]) -> None:
        """Extends this instance's leases on the updates it is handling."""
        if self.owner is None or not update_ids:
            return
        stmt = (
            update(tg_inbound)
            .where(tg_inbound.c.update_id.in_(sorted(update_ids)))
            .where(tg_inbound.c.owner == self.owner)
            .values(lease_until=self.clock() + self.lease)
        )
        async with self.db.write() as conn:
            await conn.execute(stmt)

    async def take_over(self) -> list[Kept]:
        """Claims unhandled updates whose holder's lease ran out (it crashed); returns them."""
        assert self.owner is not None
        now = self.clock()
        expired = (
            select(tg_inbound.c.update_id)
            .where(tg_inbound.c.processed_at.is_(None), tg_inbound.c.lease_until < now)
            .order_by(tg_inbound.c.update_id)
            .limit(TAKE_AT_ONCE)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(tg_inbound)
            .where(tg_inbound.c.update_id.in_(expired.scalar_subquery()))
            .values(owner=self.owner, lease_until=now + self.lease)
            .returning(*tg_inbound.c)
        )
        async with self.db.write() as conn:
            rows = (await conn.execute(stmt)).all()
        return sorted(self._opened(rows), key=lambda k: k.update_id)

    async def prune(self, before: datetime) -> int:
        """Deletes handled updates that came before `before` (their ids no longer needed)."""
        stmt = delete(tg_inbound).where(
            tg_inbound.c.processed_at.is_not(None), tg_inbound.c.received_at < before
        )
        async with self.db.write() as conn:
            return int((await conn.execute(stmt)).rowcount)

    def _opened(self, rows: Any) -> list[Kept]:
        return [
            Kept(r.update_id, r.user_key, self.vault.open_text(r.payload), r.received_at)
            for r in rows
        ]

    # Group commit ----------------------------------------------------------------------------

    async def _commit(self, works: list[Kept | Handled]) -> list[Any]:
        kept = {w.update_id: w for w in reversed(works) if isinstance(w, Kept)}
        done = [w for w in works if isinstance(w, Handled)]
        now = self.clock()
        new: set[int] = set()
        # A webhook or a poll waits for this commit before it may acknowledge: it goes first.
        async with self.db.write(urgent=bool(kept)) as conn:
            if kept:
                new = await self._store(conn, sorted(kept.values(), key=lambda k: k.update_id))
            if done:
                await conn.execute(
                    update(tg_inbound)
                    .where(tg_inbound.c.update_id.in_(sorted(d.update_id for d in done)))
                    .values(processed_at=now, payload=HANDLED_PAYLOAD, owner=None)
                )
                await clear_replies(conn, ((d.user_key, d.message_id) for d in done))
                await _forget_erased(conn, {d.user_key for d in done})
        return [
            w.update_id in new and kept[w.update_id] is w if isinstance(w, Kept) else None
            for w in works
        ]

    async def _store(self, conn: AsyncConnection, kept: list[Kept]) -> set[int]:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        until = self.clock() + self.lease if self.owner is not None else None
        stmt = (
            insert(tg_inbound)
            .on_conflict_do_nothing(index_elements=["update_id"])
            .returning(tg_inbound.c.update_id)
        )
        params = [
            {
                "update_id": k.update_id,
                "user_key": k.user_key,
                "payload": self.vault.seal_text(k.payload),
                "received_at": k.received_at,
                "processed_at": None,
                "owner": self.owner,
                "lease_until": until,
            }
            for k in kept
        ]
        return set((await conn.execute(stmt, params)).scalars())


async def _forget_erased(conn: AsyncConnection, user_keys: set[str]) -> None:
    """Deletes the kept updates of users who no longer exist ("verilerimi sil" just ran)."""
    keys = user_keys - {NOBODY}
    if not keys:
        return
    present = set((await conn.execute(select(users.c.key).where(users.c.key.in_(keys)))).scalars())
    if gone := sorted(keys - present):
        await conn.execute(delete(tg_inbound).where(tg_inbound.c.user_key.in_(gone)))
