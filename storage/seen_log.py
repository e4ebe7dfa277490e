"""Message ids of turns that changed nothing, written to the database together.

A turn that changes something records its message id in its own write transaction, so a
redelivery after a crash is rolled back and sends nothing (exactly once for every change). A
turn that only answered (a course question, an FAQ) has nothing to protect: opening a write
transaction just for its id would cost more than the whole answer. Its id goes here instead
and is written with the others of the next few milliseconds in one transaction. The price: a
read-only question redelivered after a crash inside that window is answered a second time.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.repos import RECORD_SEEN

log = logging.getLogger(__name__)


class SeenLog:
    """Buffers (user, message id) pairs and writes them at most `delay` seconds later."""

    def __init__(self, db: Database, delay: float = 0.02, batch: int = 1000) -> None:
        self._db = db
        self._delay = delay
        self._batch = batch
        self._pending: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, user: str, message_id: str, at: datetime) -> None:
        self._pending.append({"user_key": user, "message_id": message_id, "processed_at": at})
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._later(), name="seen-log")

    def forget(self, user: str) -> None:
        """Drops a user's pending ids ("verilerimi sil"). Call it while holding the write
        transaction that erases the user: a flush takes rows only under the write lock."""
        self._pending = [row for row in self._pending if row["user_key"] != user]

    async def _later(self) -> None:
        await asyncio.sleep(self._delay)
        try:
            await self.flush()
        except Exception:  # noqa: BLE001 - a lost id costs at most a repeated answer
            log.warning("could not record handled message ids", exc_info=True)

    async def flush(self) -> None:
        """Writes every pending id now."""
        while self._pending:
            async with self._db.write() as conn:
                rows, self._pending = self._pending[: self._batch], self._pending[self._batch :]
                if rows:
                    await conn.execute(RECORD_SEEN, rows)

    async def close(self) -> None:
        if self._task is not None:
            await self._task  # at most `delay` away
        await self.flush()
