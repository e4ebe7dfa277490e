"""The WhatsApp channel's own repository: its writes group-committed, and the reads it needs.

Deliveries (inbound rows, statuses) and finished messages from many requests and workers are
merged into one INSERT/UPDATE each per batch, so a burst of webhooks costs a handful of
statements, not one transaction per request. While one batch commits, the next gathers. A
write's `after` callback runs right after its commit, even when its caller was cancelled
meanwhile. If a batch fails, its writes are retried one by one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from storage import whatsapp_repo as repo
from storage.crypto import IdVault
from storage.db import Database
from storage.users import UserRows
from storage.whatsapp_repo import Delivery, Finished, InboundRow, PushTarget, Rejected

log = logging.getLogger(__name__)

Op = Callable[[AsyncConnection], Awaitable[Any]]
After = Callable[[Any], None]
Work = Delivery | Finished | Op
UNDELIVERABLE = 131026  # a failed status with this code: the number cannot get our messages


class WhatsAppStore:
    """Group commit for the channel's writes; its reads go straight to the database."""

    def __init__(
        self,
        db: Database,
        users: UserRows,
        clock: Callable[[], datetime],
        vault: IdVault,
        max_batch: int = 500,
    ) -> None:
        self.db = db
        # A message is kept until handled (a crash between the 200 and the answer); what the
        # citizen typed may be a national id or a phone number: it is stored sealed.
        self.vault = vault
        self.users = users
        self.clock = clock
        self.max_batch = max_batch
        self._pending: list[tuple[Work, asyncio.Future[Any], After | None]] = []
        self._flusher: asyncio.Task[None] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.db.is_sqlite

    # Writes, batched -----------------------------------------------------------------------

    async def store(self, delivery: Delivery, after: After | None = None) -> set[str]:
        """Stores a delivery; returns the wamids seen for the first time."""
        result: set[str] = await self._submit(delivery, after)
        return result

    async def reject(self, rejected: Rejected) -> bool:
        """Records a delivery that could not be read; False when it was recorded before."""
        new: bool = await self._submit(lambda conn: repo.store_rejected(conn, rejected), None)
        return new

    async def finish(self, done: Finished) -> None:
        """Marks an inbound message handled and records what was sent for it."""
        await self._submit(done, None)

    async def set_pushes_off(self, user: str, off: bool) -> None:
        """DUR (off) or BAŞLA (on) from this user, who just wrote."""
        await self._submit(lambda conn: repo.set_pushes_off(conn, user, off, self.clock()), None)

    async def record_sent(self, sent: Sequence[tuple[str, str, str]]) -> None:
        """Records our sent messages (wamid, user_key, kind)."""
        now = self.clock()
        await self._submit(lambda conn: repo.record_sent(conn, sent, now), None)

    async def prune(self, inbound_before: datetime, sent_before: datetime) -> int:
        """Deletes handled inbound rows and old sent rows; returns how many rows went."""
        gone: int = await self._submit(
            lambda conn: repo.prune(conn, inbound_before, sent_before), None
        )
        return gone

    async def drain(self) -> None:
        """Waits until every write handed in so far is committed (or failed)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)

    # Reads ---------------------------------------------------------------------------------

    async def push_target(self, user: str) -> PushTarget | None:
        """The user's last message time and push switches, or None for an unknown user."""
        async with self.db.read() as conn:
            return await repo.push_target(conn, user)

    async def unprocessed(self) -> list[InboundRow]:
        """Inbound messages stored but not handled yet (a crash between the 200 and the answer)."""
        async with self.db.read() as conn:
            rows = await repo.unprocessed(conn)
        return [replace(r, payload=self._open(r.payload)) for r in rows]

    def _open(self, payload: str) -> str:
        # Rows stored before payloads were sealed are plain JSON.
        return payload if payload.startswith("{") else self.vault.open_text(payload)

    # Group commit --------------------------------------------------------------------------

    async def _submit(self, work: Work, after: After | None) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((work, future, after))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._pending:
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            try:
                results = await self._commit([work for work, _, _ in batch])
            except Exception:  # noqa: BLE001 - one bad write must not sink its neighbours
                if len(batch) > 1:
                    log.warning("batched write failed; retrying one by one", exc_info=True)
                for item in batch:
                    try:
                        (result,) = await self._commit([item[0]])
                    except Exception as exc:  # noqa: BLE001 - handed to its caller
                        _settle(item[1], exc=exc)
                    else:
                        _finish(item, result)
            else:
                for item, result in zip(batch, results, strict=True):
                    _finish(item, result)

    async def _commit(self, works: list[Work]) -> list[Any]:
        deliveries = [w for w in works if isinstance(w, Delivery)]
        finished = [w for w in works if isinstance(w, Finished)]
        now = self.clock()
        unreachable: list[str] = []
        erased: list[str] = []
        sealed = [
            replace(m, payload=self.vault.seal_text(m.payload))
            for d in deliveries
            for m in d.messages
        ]
        # A webhook waits for this commit before it may answer 200: it goes first.
        async with self.db.write(urgent=bool(deliveries)) as conn:
            new: set[str] = set()
            if deliveries:
                new = await repo.store_inbound(conn, sealed)
            if finished:
                await repo.record_sent(conn, [s for f in finished for s in f.sent], now)
                await repo.mark_processed(conn, [f.wamid for f in finished], now)
                # The engine writes last_inbound_at too, but at most once a minute per user.
                await repo.touch_inbound(conn, {f.user_key: f.wrote_at for f in finished})
                erased = await repo.forget_erased(conn, (f.user_key for f in finished))
            done = {i: await w(conn) for i, w in enumerate(works) if callable(w)}
            statuses = [s for d in deliveries for s in d.statuses]
            if statuses:  # after the records above: a status may race its own message's record
                await repo.apply_statuses(conn, statuses, now)
                unreachable = await self.users.mark_unreachable_in(
                    conn, (s.user_key for s in statuses if s.error_code == UNDELIVERABLE)
                )
        self.users.changed(unreachable)
        if erased:  # "verilerimi sil": no page that held their rows stays in the -wal
            await self.db.checkpoint()
        return [
            {m.wamid for m in w.messages} & new if isinstance(w, Delivery) else done.get(i)
            for i, w in enumerate(works)
        ]


def _finish(item: tuple[Work, asyncio.Future[Any], After | None], result: Any) -> None:
    _, future, after = item
    if after is not None:
        try:
            after(result)
        except Exception:  # noqa: BLE001 - a callback bug must not lose the commit result
            log.exception("after-commit callback failed")
    _settle(future, result=result)


def _settle(
    future: asyncio.Future[Any], result: Any = None, exc: BaseException | None = None
) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
