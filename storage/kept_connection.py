"""One PostgreSQL connection of its own, kept open, outside the pool: for what belongs to a
session (an advisory lock) or must not queue behind the pool (the shared rate budget).

Statements run in autocommit, one at a time. A failed statement drops the connection and the
next one opens a new one; `generation` counts the connections opened, so whoever holds
something that lives with the session (a lock) can tell that it went with the old one.
TCP keepalives are short: when the host of an instance vanishes without closing its socket,
PostgreSQL ends the session (and frees its locks) in about ten seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

# Seconds before the first keepalive probe, between probes, probes lost before giving up, and
# unacknowledged data (ms): a dead peer is noticed within ~10 s either way.
KEEPALIVE = {
    "tcp_keepalives_idle": "4",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "10000",
}


class KeptConnection:
    """A single autocommit connection to the PostgreSQL of `url`, opened on first use."""

    def __init__(self, url: str, name: str) -> None:
        self._engine: AsyncEngine = create_async_engine(
            url,
            poolclass=NullPool,
            hide_parameters=True,
            connect_args={"server_settings": {**KEEPALIVE, "application_name": name}},
        )
        self._conn: AsyncConnection | None = None
        self._turn = asyncio.Lock()
        self.generation = 0

    async def one(self, sql: str, params: Mapping[str, Any] | None = None) -> Row[Any]:
        """Runs one statement and returns its first row; on any failure the connection is
        dropped (the next statement opens another) and the error raised."""
        async with self._turn:
            conn = self._conn
            if conn is None or conn.closed or conn.invalidated:
                conn = await self._engine.connect()
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                self._conn = conn
                self.generation += 1
            try:
                result = await conn.execute(text(sql), dict(params or {}))
                return result.one()
            except BaseException:
                self._conn = None
                await _close_quietly(conn)
                raise

    async def close(self) -> None:
        async with self._turn:
            conn, self._conn = self._conn, None
            if conn is not None:
                await _close_quietly(conn)
        await self._engine.dispose()


async def _close_quietly(conn: AsyncConnection) -> None:
    with contextlib.suppress(Exception):  # it is being dropped because it failed already
        await conn.close()
