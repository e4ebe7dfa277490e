"""Per-user queues for the WhatsApp channel: in order per user, users in parallel."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


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
