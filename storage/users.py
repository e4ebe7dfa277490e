"""What channels and the outbox change about a user outside a chat turn, written in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.tables import users


def _nobody(_user: str) -> None:
    """Nobody keeps user rows in memory: nothing to tell."""


class UserRows:
    """The `core.ports.UserDirectory` every channel and the outbox use.

    `on_change` hears of every user whose row changed here, once the change is committed: the
    engine drops what it caches of them (`Engine.forget_user`).
    """

    def __init__(self, db: Database, on_change: Callable[[str], None] = _nobody) -> None:
        self._db = db
        self._on_change = on_change

    async def mark_unreachable(self, user: str) -> None:
        """Records that the user blocked the assistant or cannot be reached (until they write)."""
        try:
            async with self._db.write() as conn:
                await self.mark_unreachable_in(conn, [user])
        finally:  # also after a failed write: a cached copy must not outlive an attempt
            self.changed([user])

    async def mark_unreachable_in(
        self, conn: AsyncConnection, user_keys: Iterable[str]
    ) -> list[str]:
        """The same change inside the caller's transaction (a batch); returns the users marked.
        The caller calls `changed` with them once its transaction has committed."""
        keys = sorted(set(user_keys))
        if keys:
            await conn.execute(update(users).where(users.c.key.in_(keys)).values(unreachable=True))
        return keys

    def changed(self, user_keys: Iterable[str]) -> None:
        """Tells `on_change` about users whose rows were changed outside a turn."""
        for key in user_keys:
            self._on_change(key)
