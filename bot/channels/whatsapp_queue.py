"""Per-user queues for the WhatsApp channel: in order per user, users in parallel.

With several instances (`storage.wa_claims`) a user's work may also be read from the database:
`refresh(user)` makes the user's worker read it (`reload`) before its next item, and when a
user's queue runs dry `drained` is asked for more (the claim's release, which fails when
another instance stored a message for the user meanwhile)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
# A user's items to handle now (reload: all of them, replacing what is queued; drained: more,
# or none when the user is done).
More = Callable[[str], Awaitable[Sequence[T]]]


class UserQueues(Generic[T]):
    """Work items handled in order per user, different users in parallel (`workers` at once)."""

    def __init__(
        self,
        handle: Callable[[T], Awaitable[None]],
        key: Callable[[T], str],
        workers: int,
        *,
        reload: More[T] | None = None,
        drained: More[T] | None = None,
    ) -> None:
        self._handle = handle
        self._key = key
        self._workers = workers
        self._reload = reload
        self._drained = drained
        self._stale: set[str] = set()
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

    def refresh(self, user: str) -> None:
        """The user's work is to be read again (`reload`) before their next item."""
        self._stale.add(user)
        if user not in self._pending:
            self._idle.clear()
            self._pending[user] = deque()
            self._ready.put_nowait(user)

    def last(self, user: str) -> bool:
        """Whether the item in hand is the last one queued for the user."""
        return len(self._pending.get(user, ())) <= 1

    @property
    def users(self) -> list[str]:
        """The users with work queued or in hand here."""
        return list(self._pending)

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
                while await self._next(user, queue):
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

    async def _next(self, user: str, queue: deque[T]) -> bool:
        """Whether the user has an item to handle now (read again or asked for, as needed)."""
        try:
            if user in self._stale and self._reload is not None:
                self._stale.discard(user)
                fresh = await self._reload(user)
                queue.clear()
                queue.extend(fresh)
            while not queue and self._drained is not None:
                more = await self._drained(user)
                if not more:
                    return False
                queue.extend(more)
        except Exception:  # noqa: BLE001 - retried by the channel's sweep
            log.exception("reading a user's queued messages failed")
            queue.clear()
        return bool(queue)
