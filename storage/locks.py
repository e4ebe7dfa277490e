"""Locks that say which instance does what only one may do (run the clock jobs, poll Telegram).

On PostgreSQL a session-level advisory lock on a connection of its own: held while that
connection lives, released by PostgreSQL when it goes — a clean stop, a `kill -9` (the socket
closes) or a vanished host (keepalives, `storage/kept_connection.py`). On SQLite there is one
instance by design: the lock is always this process's.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from storage.kept_connection import KeptConnection


class Lock(Protocol):
    """A named lock among the instances sharing one database."""

    name: str

    async def try_acquire(self) -> bool:
        """Takes the lock when nobody holds it; True when this instance holds it now."""
        ...

    async def still_held(self) -> bool:
        """True while the lock is still this instance's (its session is alive)."""
        ...

    async def close(self) -> None:
        """Releases the lock (if held) and everything it keeps open."""
        ...


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name` (the same on every instance)."""
    digest = hashlib.blake2b(f"meslek:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock, on a kept connection of its own."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.key = lock_key(name)
        self._conn = KeptConnection(url, f"meslek-bot lock {name}"[:63])
        self._held_on: int | None = None  # the connection generation that holds it

    async def try_acquire(self) -> bool:
        if await self.still_held():
            return True
        try:
            row = await self._conn.one("SELECT pg_try_advisory_lock(:key)", {"key": self.key})
        except (OSError, Exception):  # noqa: BLE001 - the database is away: not held
            self._held_on = None
            return False
        self._held_on = self._conn.generation if row[0] else None
        return bool(row[0])

    async def still_held(self) -> bool:
        """One round trip on the lock's own connection: it must be the one that took it."""
        if self._held_on is None:
            return False
        try:
            await self._conn.one("SELECT 1")
        except Exception:  # noqa: BLE001 - the session is gone, and the lock with it
            self._held_on = None
            return False
        if self._conn.generation != self._held_on:  # reconnected: a new session holds nothing
            self._held_on = None
            return False
        return True

    async def close(self) -> None:
        self._held_on = None
        await self._conn.close()  # PostgreSQL releases the session's locks with it


class SoleLock:
    """SQLite: one instance uses the database, so it always holds every lock."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def try_acquire(self) -> bool:
        return True

    async def still_held(self) -> bool:
        return True

    async def close(self) -> None:
        return None
