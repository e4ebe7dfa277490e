"""Pacing for pushes: an overall rate per channel and at most one message per chat per interval."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

# Sends are spaced a little wider than 1/rate: network jitter bunches requests on the way, and
# a platform counting "N per second" in a sliding window would see N+1 and answer 429.
SAFETY = 0.95


class RateLimiter:
    """Hands out send slots: `rate` per second overall, `per_chat` seconds apart per chat."""

    def __init__(
        self,
        rate: float,
        per_chat: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        safety: float = SAFETY,
    ) -> None:
        self._interval = 1.0 / (rate * safety)
        self._per_chat = per_chat
        self._clock = clock
        self._next = 0.0
        self._chat_next: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, chat: str) -> None:
        """Waits until this chat may be sent one message."""
        async with self._lock:
            now = self._clock()
            chat_ready = self._chat_next.get(chat, 0.0)
            slot = max(now, self._next)
            self._next = slot + self._interval
            at = max(slot, chat_ready)
            self._chat_next[chat] = at + self._per_chat
            if len(self._chat_next) > 10_000:  # forget chats whose pause is over
                self._chat_next = {k: v for k, v in self._chat_next.items() if v > now}
        delay = at - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """The platform asked us to wait (HTTP 429 retry_after): nobody sends before then."""
        self._next = max(self._next, self._clock() + seconds)
