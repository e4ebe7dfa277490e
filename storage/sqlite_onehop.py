"""One trip to aiosqlite's thread per statement instead of four.

aiosqlite runs every call on its connection's own thread; SQLAlchemy's adapter makes four such
calls per statement (open a cursor, execute, fetch all rows, close the cursor), each a queue
hand-off and an event-loop wake-up that cost far more CPU than the statement itself. The cursor
below does the same four steps in one call on that thread. It relies on what SQLAlchemy's own
adapter already relies on (aiosqlite's ``_execute`` and ``_conn``) and is switched on only for
the exact adapter class it was written against, so a future SQLAlchemy falls back to the
standard path by itself.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite

log = logging.getLogger(__name__)

_BaseCursor: Any = getattr(sa_aiosqlite, "AsyncAdapt_aiosqlite_cursor", None)
_BaseConnection: Any = getattr(sa_aiosqlite, "AsyncAdapt_aiosqlite_connection", None)


def _run(conn: sqlite3.Connection, operation: str, parameters: Any) -> tuple[Any, ...]:
    """On aiosqlite's thread: execute, read every row, close."""
    cursor = conn.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _run_many(conn: sqlite3.Connection, operation: str, rows: Any) -> tuple[Any, ...]:
    """On aiosqlite's thread: one statement for many parameter sets."""
    cursor = conn.cursor()
    try:
        cursor.executemany(operation, rows)
        return cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


if _BaseCursor is not None and _BaseConnection is not None:

    class OneHopCursor(_BaseCursor):  # type: ignore[misc]
        def execute(self, operation: Any, parameters: Any = None) -> Any:
            try:
                aio = self._connection
                description, rows, lastrowid, rowcount = self.await_(
                    aio._execute(_run, aio._conn, operation, parameters)
                )
            except Exception as error:
                self._adapt_connection._handle_exception(error)
                raise  # _handle_exception always raises; this keeps type checkers calm
            if description:
                self.description = description
                self.lastrowid = self.rowcount = -1
                self._rows.clear()
                self._rows.extend(rows)
            else:
                self.description = None
                self.lastrowid = lastrowid
                self.rowcount = rowcount

        def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
            try:
                aio = self._connection
                lastrowid, rowcount = self.await_(
                    aio._execute(_run_many, aio._conn, operation, seq_of_parameters)
                )
            except Exception as error:
                self._adapt_connection._handle_exception(error)
                raise
            self.description = None
            self.lastrowid = lastrowid
            self.rowcount = rowcount

    class OneHopConnection(_BaseConnection):  # type: ignore[misc]
        __slots__ = ()

        def cursor(self, server_side: bool = False) -> Any:
            if server_side:
                return super().cursor(server_side=True)
            return OneHopCursor(self)


def thread_runner(driver_connection: Any) -> Callable[..., Awaitable[Any]] | None:
    """`run(fn, *args)`: calls ``fn(sqlite3_connection, *args)`` on the aiosqlite connection's
    own thread, in one trip, and returns its result; None where that is not available (another
    driver, or an aiosqlite without the internals this module relies on)."""
    execute = getattr(driver_connection, "_execute", None)
    if not callable(execute) or not isinstance(
        getattr(driver_connection, "_conn", None), sqlite3.Connection
    ):
        return None

    async def run(fn: Callable[..., Any], *args: Any) -> Any:
        return await execute(fn, driver_connection._conn, *args)

    return run


def enable(dbapi_connection: Any) -> bool:
    """Switches a freshly made SQLAlchemy aiosqlite connection to one trip per statement."""
    if _BaseConnection is None or type(dbapi_connection) is not _BaseConnection:
        return False
    aio = getattr(dbapi_connection, "_connection", None)
    if not callable(getattr(aio, "_execute", None)) or not hasattr(aio, "_conn"):
        return False
    dbapi_connection.__class__ = OneHopConnection
    return True
