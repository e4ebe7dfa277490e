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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, bindparam, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import String

from storage import wa_claims
from storage.crypto import IdVault
from storage.db import Database
from storage.group_commit import After, GroupCommit
from storage.tables import tg_inbound, users
from storage.types import UTCDateTime
from storage.wa_claims import Claim
from storage.whatsapp_repo import HANDLED_PAYLOAD, clear_replies

NOBODY = "-"  # user_key of an update that comes from no user (queued, and claimed, as one)
CLAIMS = wa_claims.claim_sql("tg_claims", "tg_inbound")


@dataclass(frozen=True, slots=True)
class Kept:
    """An update as stored: its id, its user, its JSON and when it came."""

    update_id: int
    user_key: str
    payload: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Handled:
    """An update whose answer went out; `message_id` is its turn's id (its kept answer). With
    `release` (several instances), the user is let go if that many updates were stored for
    them while held."""

    update_id: int
    user_key: str
    message_id: str
    release: int | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """Let the user go if `known` updates were stored for them while held."""

    user_key: str
    known: int


Work = Kept | Handled | Release


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing an update did: whether it is new and, with several instances, its user's
    claim and how many of the user's updates the same statement stored (`batch`)."""

    new: bool
    claim: Claim | None = None
    batch: int = 0


# A user's claim after a release that did not happen: its count now and the user's unhandled
# updates, oldest first (a count of -1 and none: the claim is no longer ours).
Left = tuple[int, list[Kept]]


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
        # Several instances share PostgreSQL: each holds the users it handles, under a lease.
        # One SQLite file has one instance, which handles everything stored in it.
        self.owner = None if db.is_sqlite else owner
        self.lease = lease
        self._batches: GroupCommit[Work] = GroupCommit(self._commit)

    def keep(self, kept: Kept, after: After | None = None) -> asyncio.Future[Any]:
        """Hands in an update to store; the future (and `after`) gets its `Stored` at the
        commit."""
        return self._batches.later(kept, after)

    async def handled(self, done: Handled, after: After | None = None) -> Left | None:
        """Marks an update handled and forgets its content and its kept answer; with
        `done.release`, lets the user go in the same transaction (None) or says what is left
        (`after` hears it right after the commit, before any later commit's callback)."""
        left: Left | None = await self._batches.submit(done, after)
        return left

    async def drain(self) -> None:
        await self._batches.drain()

    # Reads and claims ------------------------------------------------------------------------

    async def unprocessed(self) -> list[Kept]:
        """Updates stored but not handled (one instance: all of them are its own)."""
        query = (
            select(tg_inbound)
            .where(tg_inbound.c.processed_at.is_(None))
            .order_by(tg_inbound.c.update_id)
        )
        async with self.db.read() as conn:
            return self._opened((await conn.execute(query)).all())

    async def release(self, user: str, known: int) -> Left | None:
        """Lets the user go if `known` updates were stored while held (None); else what is
        left."""
        left: Left | None = await self._batches.submit(Release(user, known))
        return left

    async def held(self, user: str) -> Left:
        """The user's claim's count (-1: not ours) and their unhandled updates, oldest first."""
        async with self.db.read() as conn:
            return (await self._held(conn, [user]))[user]

    async def renew(self, users: list[str]) -> int:
        """Extends this instance's leases on the users it is working on."""
        if self.owner is None or not users:
            return 0
        async with self.db.write() as conn:
            return await wa_claims.renew(conn, self.owner, users, self.clock() + self.lease, CLAIMS)

    async def take_over(self) -> list[str]:
        """Claims the users nobody live holds who have unhandled updates (their holder's lease
        ran out: it crashed); returns them."""
        assert self.owner is not None
        now = self.clock()
        async with self.db.write() as conn:
            # Every update has a queue, NOBODY's too: no user key is left out.
            return await wa_claims.take_over(
                conn, self.owner, now, now + self.lease, CLAIMS, nobody=""
            )

    async def prune(self, before: datetime) -> int:
        """Deletes handled updates that came before `before` (their ids no longer needed)."""
        stmt = delete(tg_inbound).where(
            tg_inbound.c.processed_at.is_not(None), tg_inbound.c.received_at < before
        )
        async with self.db.write() as conn:
            return int((await conn.execute(stmt)).rowcount)

    async def _held(self, conn: AsyncConnection, users: list[str]) -> dict[str, Left]:
        """What is `Left` of these users' claims; the counts read first, so every update they
        count is visible."""
        assert self.owner is not None
        stored = await wa_claims.counts(conn, self.owner, users, CLAIMS)
        out: dict[str, Left] = {u: (stored.get(u, -1), []) for u in users}
        if stored:
            query = (
                select(tg_inbound)
                .where(tg_inbound.c.user_key.in_(sorted(stored)))
                .where(tg_inbound.c.processed_at.is_(None))
                .order_by(tg_inbound.c.update_id)
            )
            for kept in self._opened((await conn.execute(query)).all()):
                out[kept.user_key][1].append(kept)
        return out

    def _opened(self, rows: Any) -> list[Kept]:
        return [
            Kept(r.update_id, r.user_key, self.vault.open_text(r.payload), r.received_at)
            for r in rows
        ]

    # Group commit ----------------------------------------------------------------------------

    async def _commit(self, works: list[Work]) -> list[Any]:
        kept = {w.update_id: w for w in reversed(works) if isinstance(w, Kept)}
        done = [w for w in works if isinstance(w, Handled)]
        releases = {d.user_key: d.release for d in done if d.release is not None}
        releases.update((w.user_key, w.known) for w in works if isinstance(w, Release))
        if self.owner is None:
            releases = {}  # one instance: nobody else to hand a user to
        now = self.clock()
        new: set[int] = set()
        claims: dict[str, Claim] = {}
        left: dict[str, Left | None] = {}
        # A webhook or a poll waits for this commit before it may acknowledge: it goes first.
        async with self.db.write(urgent=bool(kept)) as conn:
            if kept:
                ordered = sorted(kept.values(), key=lambda k: k.update_id)
                new, claims = await self._store(conn, ordered)
            if done:
                await conn.execute(
                    update(tg_inbound)
                    .where(tg_inbound.c.update_id.in_(sorted(d.update_id for d in done)))
                    .values(processed_at=now, payload=HANDLED_PAYLOAD)
                )
                await clear_replies(conn, ((d.user_key, d.message_id) for d in done))
                last: dict[str, int] = {}
                for d in done:
                    last[d.user_key] = max(d.update_id, last.get(d.user_key, d.update_id))
                await _forget_erased(conn, last)
            if releases:
                assert self.owner is not None
                gone = await wa_claims.let_go(conn, self.owner, releases, CLAIMS)
                left = dict.fromkeys(gone)
                left.update(await self._held(conn, [u for u in sorted(releases) if u not in gone]))
        batch = Counter(kept[i].user_key for i in new)
        out: list[Any] = []
        for w in works:
            if isinstance(w, Kept):
                first = w.update_id in new and kept[w.update_id] is w
                out.append(Stored(first, claims.get(w.user_key), batch[w.user_key]))
            elif isinstance(w, Release) or w.release is not None:
                out.append(left.get(w.user_key))
            else:
                out.append(None)
        return out

    async def _store(
        self, conn: AsyncConnection, kept: list[Kept]
    ) -> tuple[set[int], dict[str, Claim]]:
        """Stores the updates not seen before (and, several instances, claims their users);
        returns their ids and the claims."""
        params = [
            {
                "update_id": k.update_id,
                "user_key": k.user_key,
                "payload": self.vault.seal_text(k.payload),
                "received_at": k.received_at,
                "processed_at": None,
            }
            for k in kept
        ]
        if self.owner is None:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            stmt = (
                insert(tg_inbound)
                .on_conflict_do_nothing(index_elements=["update_id"])
                .returning(tg_inbound.c.update_id)
            )
            return set((await conn.execute(stmt, params)).scalars()), {}
        now = self.clock()
        values = {
            "ids": [p["update_id"] for p in params],
            "users": [p["user_key"] for p in params],
            "payloads": [p["payload"] for p in params],
            "received": [p["received_at"] for p in params],
            "owner": self.owner,
            "now": now,
            "until": now + self.lease,
        }
        new: set[int] = set()
        claims: dict[str, Claim] = {}
        for r in await conn.execute(_STORE_AND_CLAIM, values):
            if r.update_id is not None:
                new.add(int(r.update_id))
            else:
                mine = r.owner == self.owner
                claims[r.user_key] = Claim(r.user_key, mine, bool(r.fresh), int(r.stored))
        return new, claims


# The updates not seen before stored and their users claimed, in one statement (as
# `storage.wa_claims.store_and_claim`): a claim is this instance's when it held it or nobody
# live did; `stored` counts the updates stored for the user while held.
_STORE_AND_CLAIM = text(
    f"""
    WITH new AS (
        INSERT INTO tg_inbound (update_id, user_key, payload, received_at)
        SELECT i, u, p, r FROM unnest(CAST(:ids AS bigint[]), CAST(:users AS text[]),
                                      CAST(:payloads AS text[]), CAST(:received AS timestamptz[]))
            AS x(i, u, p, r) ORDER BY i
        ON CONFLICT (update_id) DO NOTHING
        RETURNING update_id, user_key
    ), claimed AS (
        INSERT INTO tg_claims AS c (user_key, owner, lease_until, stored)
        SELECT user_key, :owner, :until, count(*) FROM new GROUP BY user_key ORDER BY user_key
        {wa_claims.CLAIMED}
    )
    SELECT update_id, NULL AS user_key, NULL AS owner, NULL AS stored, NULL AS fresh FROM new
    UNION ALL
    SELECT NULL, user_key, owner, stored, fresh FROM claimed
    """
).bindparams(
    bindparam("owner", type_=String()),
    bindparam("now", type_=UTCDateTime()),
    bindparam("until", type_=UTCDateTime()),
    bindparam("received", type_=ARRAY(UTCDateTime())),
)


async def _forget_erased(conn: AsyncConnection, handled: dict[str, int]) -> None:
    """Deletes the kept updates of users who no longer exist ("verilerimi sil" just ran), up to
    the update just handled (`handled`: by user): what they wrote after it is still to answer."""
    keys = set(handled) - {NOBODY}
    if not keys:
        return
    present = set((await conn.execute(select(users.c.key).where(users.c.key.in_(keys)))).scalars())
    for user in sorted(keys - present):
        await conn.execute(
            delete(tg_inbound).where(
                tg_inbound.c.user_key == user, tg_inbound.c.update_id <= handled[user]
            )
        )
