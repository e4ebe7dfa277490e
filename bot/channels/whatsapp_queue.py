"""Two small concurrency helpers for the WhatsApp channel: group commit and per-user queues."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.channels.whatsapp_inbound import Delivery
from storage import whatsapp_repo as repo
from storage.db import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
Op = Callable[[AsyncConnection], Awaitable[Any]]
After = Callable[[Any], None]
UNDELIVERABLE = 131026


@dataclass(frozen=True, slots=True)
class Finished:
    """A handled inbound message: when its user wrote it, and what was sent for it."""

    wamid: str
    user_key: str
    wrote_at: datetime
    sent: tuple[tuple[str, str, str], ...] = ()


Work = Delivery | Finished | Op


class GroupWriter:
    """Group commit: writes that arrive together share one transaction and a few statements.

    Deliveries (inbound rows, statuses) and finished messages from many requests and
    workers are merged into one INSERT/UPDATE each per batch, so a burst of webhooks costs a
    handful of statements, not one transaction per request. While one batch commits, the
    next gathers. A write's `after` callback runs right after its commit, even when its
    caller was cancelled meanwhile. If a batch fails, its writes are retried one by one.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime], max_batch: int = 500) -> None:
        self.db = db
        self.clock = clock
        self.max_batch = max_batch
        self._pending: list[tuple[Work, asyncio.Future[Any], After | None]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def store(self, delivery: Delivery, after: After | None = None) -> set[str]:
        """Stores a delivery; returns the wamids seen for the first time."""
        result: set[str] = await self._submit(delivery, after)
        return result

    async def finish(self, done: Finished) -> None:
        """Marks an inbound message handled and records what was sent for it."""
        await self._submit(done, None)

    async def run(self, op: Op) -> Any:
        """Runs `op(conn)` inside the next batch's transaction; returns its result."""
        return await self._submit(op, None)

    async def drain(self) -> None:
        """Waits until every write handed in so far is committed (or failed)."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)

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
        # A webhook waits for this commit before it may answer 200: it goes first.
        async with self.db.write(urgent=bool(deliveries)) as conn:
            new: set[str] = set()
            if deliveries:
                new = await repo.store_inbound(conn, [m for d in deliveries for m in d.messages])
            if finished:
                await repo.record_sent(conn, [s for f in finished for s in f.sent], now)
                await repo.mark_processed(conn, [f.wamid for f in finished], now)
                # The engine writes last_inbound_at too, but at most once a minute per user.
                await repo.touch_inbound(conn, {f.user_key: f.wrote_at for f in finished})
                await repo.forget_erased(conn, (f.user_key for f in finished))
            done = {i: await w(conn) for i, w in enumerate(works) if callable(w)}
            statuses = [s for d in deliveries for s in d.statuses]
            if statuses:  # after the records above: a status may race its own message's record
                await repo.apply_statuses(conn, statuses, now)
                await repo.mark_unreachable(
                    conn, (s.user_key for s in statuses if s.error_code == UNDELIVERABLE)
                )
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


class UserQueues(Generic[T]):
    """Work items handled in order per user, different users in parallel (`workers` at once)."""

    def __init__(
        self, handle: Callable[[T], Awaitable[None]], key: Callable[[T], str], workers: int
    ) -> None:
        self._handle = handle
        self._key = key
        self._workers = workers
        self._ready: asyncio.Queue[str] = asyncio.Queue()
        self._pending: dict[str, deque[T]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self._workers)]

    def submit(self, item: T) -> None:
        user = self._key(item)
        queue = self._pending.get(user)
        self._idle.clear()
        if queue is not None:
            queue.append(item)
            return
        self._pending[user] = deque([item])
        self._ready.put_nowait(user)

    @property
    def backlog(self) -> int:
        return sum(len(q) for q in self._pending.values())

    async def join(self) -> None:
        """Waits until everything submitted so far is handled."""
        await self._idle.wait()

    async def stop(self, grace: float) -> None:
        """Lets in-flight work finish (up to `grace` s), then stops the workers."""
        try:
            await asyncio.wait_for(self.join(), grace)
        except TimeoutError:
            log.warning("stopping with %d WhatsApp messages still queued", self.backlog)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _work(self) -> None:
        while True:
            user = await self._ready.get()
            self._busy += 1
            queue = self._pending[user]
            try:
                while queue:
                    try:
                        await self._handle(queue[0])
                    except Exception:  # noqa: BLE001 - one message must not stop the worker
                        log.exception("handling a queued message failed")
                    queue.popleft()
            finally:
                del self._pending[user]
                self._busy -= 1
                if not self._pending and self._busy == 0:
                    self._idle.set()
