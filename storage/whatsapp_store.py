"""The WhatsApp channel's own repository: its writes group-committed, and the reads it needs.

Deliveries (inbound rows, statuses) and finished messages from many requests and workers are
merged into one INSERT/UPDATE each per batch (`storage.group_commit`), so a burst of webhooks
costs a handful of statements, not one transaction per request (on PostgreSQL one statement:
deliveries take turns with the other writes, each in batches of their own).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from core.messages import Button
from storage import wa_claims, wa_pages
from storage import whatsapp_repo as repo
from storage.crypto import IdVault
from storage.db import Database
from storage.group_commit import After, GroupCommit
from storage.users import UserRows
from storage.wa_pages import Pages
from storage.whatsapp_repo import Delivery, Finished, InboundRow, PushTarget, Rejected

log = logging.getLogger(__name__)

Op = Callable[[AsyncConnection], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Release:
    """Let the user go if this instance has taken in `known` of their messages."""

    user_key: str
    known: int


Work = Delivery | Finished | Release | Op


# Batches committed at once on PostgreSQL. Measured (bench/whatsapp.py, one instance): 4 at
# once 172 messages/s at 4.7 ms CPU each, 2: 170 at 3.7 ms, 1: 229 at 3.0 ms — smaller batches
# cost more CPU than the overlap saves. Kept as a setting of the code for a faster server.
WRITERS = 1
UNDELIVERABLE = 131026  # a failed status with this code: the number cannot get our messages


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing a delivery did: the wamids seen for the first time and, when instances
    share the database, the claims of their users (`storage.wa_claims`)."""

    new: set[str]
    claims: dict[str, wa_claims.Claim] = field(default_factory=dict)


class WhatsAppStore:
    """Group commit for the channel's writes; its reads go straight to the database."""

    def __init__(
        self,
        db: Database,
        users: UserRows,
        clock: Callable[[], datetime],
        vault: IdVault,
        max_batch: int = 500,
        *,
        owner: str | None = None,
        lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self.db = db
        # Several instances share PostgreSQL: users are claimed by whoever handles them. One
        # SQLite file has one instance, which handles everything stored in it.
        self.owner = None if db.is_sqlite else owner
        self.lease = lease
        # A message is kept until handled (a crash between the 200 and the answer); what the
        # citizen typed may be a national id or a phone number: it is stored sealed.
        self.vault = vault
        self.users = users
        self.clock = clock
        # SQLite: one batch at a time (one writer). PostgreSQL could take a few at once (their
        # statements take rows in one order: wamids, users sorted); measured, one is faster.
        # On PostgreSQL deliveries without statuses go in batches of their own, taking turns
        # with the other writes: their webhooks wait for that commit to answer 200, and either
        # batch is then one statement in autocommit, one trip. (A status stays with the other
        # writes, in order: it may follow its own message's record.)
        self._batches: GroupCommit[Work] = GroupCommit(
            self._commit,
            writers=1 if db.is_sqlite else WRITERS,
            max_batch=max_batch,
            apart=None if db.is_sqlite else _stores_only,
        )
        self._submit = self._batches.submit

    @property
    def is_sqlite(self) -> bool:
        return self.db.is_sqlite

    # Writes, batched -----------------------------------------------------------------------

    async def store(self, delivery: Delivery, after: After | None = None) -> set[str]:
        """Stores a delivery; returns the wamids seen for the first time (`after` gets the
        `Stored`, with the claims)."""
        result: Stored = await self._submit(delivery, after)
        return result.new

    async def answer_once(
        self,
        user: str,
        wamid: str,
        messages: list[dict[str, Any]],
        *,
        pushes_off: bool | None = None,
    ) -> list[dict[str, Any]] | None:
        """Records that `wamid` is answered with `messages` (and, in the same transaction,
        DUR's or BAŞLA's switch: `pushes_off`); None when recorded now, else the messages
        recorded the first time (none once they were sent)."""

        async def once(conn: AsyncConnection) -> str | None:
            now = self.clock()
            recorded = await repo.answer_once(conn, user, wamid, sealed, now)
            if recorded is None and pushes_off is not None:
                await repo.set_pushes_off(conn, user, pushes_off, now)
            return recorded

        sealed = self.seal_messages(messages)
        recorded: str | None = await self._submit(once, None)
        return None if recorded is None else self.open_messages(recorded)[0]

    def seal_messages(self, messages: list[dict[str, Any]], pages: Pages | None = None) -> str:
        """Messages to keep with a turn's record, sealed (they may hold a name or a phone);
        with the buttons of the long lists among them (`pages`), so a message handled again
        keeps those too."""
        kept: Any = messages
        if pages:
            kept = {"messages": messages, "pages": {k: wa_pages.rows(v) for k, v in pages.items()}}
        return self.vault.seal_text(json.dumps(kept, ensure_ascii=False))

    def open_messages(self, recorded: str) -> tuple[list[dict[str, Any]], Pages]:
        """The messages a record kept (none once they were sent) and their lists' pages."""
        kept: Any = json.loads(self.vault.open_text(recorded)) if recorded else []
        if isinstance(kept, list):
            return kept, {}
        pages = {k: wa_pages.buttons(v) for k, v in kept["pages"].items()}
        return kept["messages"], pages

    def _sealed_pages(
        self, pages: Iterable[tuple[str, str, tuple[Button, ...]]]
    ) -> list[tuple[str, str, str]]:
        """(user_key, token, buttons) with the buttons sealed, as `storage.wa_pages` keeps them."""
        seal = self.vault.seal_text
        return [(u, k, seal(json.dumps(wa_pages.rows(b), ensure_ascii=False))) for u, k, b in pages]

    async def page(self, user: str, token: str) -> tuple[Button, ...] | None:
        """The buttons of the user's long list `token`, if a page of it was shown lately
        (`storage.wa_pages`), by whichever instance."""
        async with self.db.read() as conn:
            sealed = await wa_pages.read(conn, user, token, self.clock())
        return (
            None if sealed is None else wa_pages.buttons(json.loads(self.vault.open_text(sealed)))
        )

    # Claims (several instances) -----------------------------------------------------------

    async def release(self, user: str, known: int) -> wa_claims.Left | None:
        """`storage.wa_claims.release` of one user, group-committed; rows opened."""
        left: wa_claims.Left | None = await self._submit(Release(user, known), None)
        return left

    async def held(self, user: str) -> wa_claims.Left:
        """`storage.wa_claims.held` of one user: the claim's count and their messages."""
        [(count, rows)] = (await self._held([user])).values()
        return count, self._opened(rows)

    async def _held(self, users: list[str]) -> dict[str, wa_claims.Left]:
        assert self.owner is not None
        async with self.db.read() as conn:
            return await wa_claims.held(conn, self.owner, users)

    async def renew(self, users: list[str]) -> int:
        """Extends this instance's leases on the users it is working on."""
        assert self.owner is not None
        until = self.clock() + self.lease
        async with self.db.write() as conn:
            return await wa_claims.renew(conn, self.owner, users, until)

    async def take_over(self) -> list[str]:
        """Claims users nobody live holds who have unhandled messages; returns them."""
        assert self.owner is not None
        now = self.clock()
        async with self.db.write() as conn:
            return await wa_claims.take_over(conn, self.owner, now, now + self.lease)

    async def reject(self, rejected: Rejected) -> bool:
        """Records a delivery that could not be read; False when it was recorded before."""
        new: bool = await self._submit(lambda conn: repo.store_rejected(conn, rejected), None)
        return new

    async def finish(self, done: Finished, after: After | None = None) -> wa_claims.Left | None:
        """Marks an inbound message handled and records what was sent for it; with
        `done.release`, lets the user go in the same transaction (None) or says what is left
        (`after` hears it right after the commit, before any later commit's callback)."""
        left: wa_claims.Left | None = await self._submit(done, after)
        return left

    async def record_sent(
        self, sent: Sequence[tuple[str, str, str]], user: str = "", pages: Pages | None = None
    ) -> None:
        """Records our sent messages (wamid, user_key, kind), and the pages of the long lists
        they showed `user` (`storage.wa_pages`)."""
        now = self.clock()
        kept = self._sealed_pages((user, token, b) for token, b in (pages or {}).items())

        async def record(conn: AsyncConnection) -> None:
            await repo.record_sent(conn, sent, now)
            await wa_pages.save(conn, kept, now)

        await self._submit(record, None)

    async def prune(self, inbound_before: datetime, sent_before: datetime) -> int:
        """Deletes handled inbound rows and old sent rows; returns how many rows went."""
        gone: int = await self._submit(
            lambda conn: repo.prune(conn, inbound_before, sent_before), None
        )
        return gone

    async def drain(self) -> None:
        """Waits until every write handed in so far is committed (or failed)."""
        await self._batches.drain()

    # Reads ---------------------------------------------------------------------------------

    async def push_target(self, user: str) -> PushTarget | None:
        """The user's last message time and push switches, or None for an unknown user."""
        async with self.db.read() as conn:
            return await repo.push_target(conn, user)

    async def unprocessed(self) -> list[InboundRow]:
        """Inbound messages stored but not handled yet (a crash between the 200 and the answer)."""
        async with self.db.read() as conn:
            rows = await repo.unprocessed(conn)
        return self._opened(rows)

    def _opened(self, rows: list[InboundRow]) -> list[InboundRow]:
        return [replace(r, payload=self._open(r.payload)) for r in rows]

    def _open(self, payload: str) -> str:
        # Rows stored before payloads were sealed are plain JSON.
        return payload if payload.startswith("{") else self.vault.open_text(payload)

    # Group commit --------------------------------------------------------------------------

    async def _commit(self, works: list[Work]) -> list[Any]:
        deliveries = [w for w in works if isinstance(w, Delivery)]
        finished = [w for w in works if isinstance(w, Finished)]
        releases = {f.user_key: f.release for f in finished if f.release is not None}
        releases.update((w.user_key, w.known) for w in works if isinstance(w, Release))
        now = self.clock()
        unreachable: list[str] = []
        erased: list[str] = []
        sealed = [
            replace(m, payload=self.vault.seal_text(m.payload))
            for d in deliveries
            for m in d.messages
        ]
        pages = self._sealed_pages((f.user_key, k, b) for f in finished for k, b in f.pages)
        # On PostgreSQL a batch of one statement commits alone, in autocommit (one trip, not
        # three): deliveries without statuses, or finishes (with releases) showing no long list.
        alone = (
            not self.is_sqlite
            and not pages
            and (
                all(_stores_only(w) for w in works)
                or (bool(finished) and all(isinstance(w, Finished | Release) for w in works))
            )
        )
        kept: list[str] = []  # users whose release did not happen (PostgreSQL)
        # A webhook waits for this commit before it may answer 200: it goes first.
        transaction = self.db.autocommit() if alone else self.db.write(urgent=bool(deliveries))
        async with transaction as conn:
            new: set[str] = set()
            claims: dict[str, wa_claims.Claim] = {}
            left: dict[str, wa_claims.Left | None] = {}
            if deliveries and self.owner is not None:  # PostgreSQL: one statement
                until = now + self.lease
                new, claims = await wa_claims.store_and_claim(conn, sealed, self.owner, now, until)
            elif deliveries:
                new = await repo.store_inbound(conn, sealed)
            if finished and not self.is_sqlite:  # one statement, the releases with it
                erased, let_go = await repo.finish_handled(
                    conn, finished, now, self.owner, releases
                )
                left = dict.fromkeys(let_go)
                kept = [u for u in releases if u not in let_go] if self.owner else []
                if kept and not alone:  # read after the messages are marked handled
                    left.update(await wa_claims.held(conn, self.owner or "", kept))
                await wa_pages.save(conn, [p for p in pages if p[0] not in erased], now)
            elif finished:
                await repo.record_sent(conn, [s for f in finished for s in f.sent], now)
                await repo.mark_processed(conn, [f.wamid for f in finished], now)
                await repo.clear_replies(conn, ((f.user_key, f.wamid) for f in finished))
                # The engine writes last_inbound_at too, but at most once a minute per user.
                await repo.touch_inbound(conn, {f.user_key: f.wrote_at for f in finished})
                await wa_pages.save(conn, pages, now)
                erased = await repo.forget_erased(conn, (f.user_key for f in finished))
            if releases and self.owner is not None and not finished:
                left = await wa_claims.release(conn, self.owner, releases)
            done = {i: await w(conn) for i, w in enumerate(works) if callable(w)}
            statuses = [s for d in deliveries for s in d.statuses]
            if statuses:  # after the records above: a status may race its own message's record
                await repo.apply_statuses(conn, statuses, now)
                unreachable = await self.users.mark_unreachable_in(
                    conn, (s.user_key for s in statuses if s.error_code == UNDELIVERABLE)
                )
        if kept and alone:
            # Read after the commit: the claims are still this instance's (or were taken from
            # it: -1), and a message stored since is one more to take in, as it would be had it
            # come before the release.
            left.update(await self._held(kept))
        self.users.changed(unreachable)
        if erased:  # "verilerimi sil": no page that held their rows stays in the -wal
            await self.db.checkpoint()
        opened = {u: None if v is None else (v[0], self._opened(v[1])) for u, v in left.items()}
        return [
            _stored(w, new, claims)
            if isinstance(w, Delivery)
            else opened.get(w.user_key)
            if isinstance(w, Finished | Release)
            else done.get(i)
            for i, w in enumerate(works)
        ]


def _stores_only(work: Work) -> bool:
    """Whether `work` is a delivery storing messages only: one statement with its likes."""
    return isinstance(work, Delivery) and not work.statuses


def _stored(delivery: Delivery, new: set[str], claims: dict[str, wa_claims.Claim]) -> Stored:
    users = {m.user_key for m in delivery.messages}
    return Stored(
        {m.wamid for m in delivery.messages} & new,
        {u: c for u, c in claims.items() if u in users},
    )
