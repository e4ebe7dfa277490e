"""What only one instance may do at a time, and who takes over when it stops.

A `Holder` keeps trying to hold a named lock (`storage/locks.py`: a PostgreSQL advisory lock on
a connection of its own; on SQLite always this instance's). While it holds it, the guarded work
runs here (`on_gain`); the other instances stand by, trying again every CHECK_SECONDS. When the
holder stops, is killed or loses its database connection, PostgreSQL releases the lock and the
next attempt elsewhere takes it: a takeover within CHECK_SECONDS (about ten seconds more when a
host vanishes without closing its connection, the keepalives' time).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage.locks import Lock

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0

Hook = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class Holder:
    """Holds `lock` whenever it can; `held` says whether the guarded work is this instance's."""

    def __init__(
        self,
        lock: Lock,
        on_gain: Hook = _nothing,
        on_lose: Hook = _nothing,
        every: float = CHECK_SECONDS,
    ) -> None:
        self.lock = lock
        self._on_gain = on_gain
        self._on_lose = on_lose
        self._every = every
        self._task: asyncio.Task[None] | None = None
        self.held = False

    async def start(self) -> None:
        """Tries once now (a failure of `on_gain` here is the caller's), then keeps watching."""
        if await self.lock.try_acquire():
            await self._gain()
        else:
            log.info("%s: another instance holds it; this one stands by", self.lock.name)
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        """Stops watching; the guarded work stops here and the lock is released."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.held:
            self.held = False
            await self._lose_quietly()
        await self.lock.close()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            if self.held:
                if not await self.lock.still_held():
                    self.held = False
                    log.warning("%s: lock lost (database connection); standing by", self.lock.name)
                    await self._lose_quietly()
            elif await self.lock.try_acquire():
                log.warning("%s: taken over by this instance", self.lock.name)
                try:
                    await self._gain()
                except Exception:
                    log.exception("%s: could not start here; letting it go", self.lock.name)
                    await self.lock.close()

    async def _gain(self) -> None:
        self.held = True
        log.info("%s: this instance holds it", self.lock.name)
        try:
            await self._on_gain()
        except BaseException:
            self.held = False
            raise

    async def _lose_quietly(self) -> None:
        try:
            await self._on_lose()
        except Exception:
            log.exception("%s: stopping the guarded work failed", self.lock.name)
