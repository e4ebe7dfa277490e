"""A map that forgets: what the process keeps per user, for as long as the user is around.

Per-user memory (cached conversations, recent message ids) must not grow with the number of
people who ever wrote: a long-running instance sees thousands of new users a day, most of whom
write a few messages and leave. A `Recent` map drops an entry unused for `idle` seconds, and
the least recently used one beyond `capacity`, so its size follows the users active in the last
`idle` seconds (the working set), not the history.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Least recently used first; an entry expires `idle` seconds after its last use."""

    __slots__ = ("_clock", "_entries", "capacity", "idle")

    def __init__(
        self, *, capacity: int, idle: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.idle = idle
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value, if still kept; using it makes it the most recent."""
        found = self._entries.get(key)
        if found is None:
            return None
        now = self._clock()
        if now - found[0] > self.idle:
            del self._entries[key]
            return None
        self._entries[key] = (now, found[1])
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: K, value: V) -> None:
        """Keeps `value` as the most recent; drops what expired and what exceeds the capacity."""
        now = self._clock()
        self._entries[key] = (now, value)
        self._entries.move_to_end(key)
        entries = self._entries
        edge = now - self.idle
        while entries:
            oldest = next(iter(entries.values()))
            if oldest[0] >= edge and len(entries) <= self.capacity:
                break
            entries.popitem(last=False)

    def pop(self, key: K) -> V | None:
        found = self._entries.pop(key, None)
        return found[1] if found is not None else None

    def __contains__(self, key: object) -> bool:
        found = self._entries.get(key)  # type: ignore[arg-type]
        return found is not None and self._clock() - found[0] <= self.idle

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
