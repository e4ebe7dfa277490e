"""The async database: one engine, SQLite pragmas on every connection, short transactions."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from storage import sqlite_onehop
from storage.files import create_private

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000

ThreadRunner = Callable[..., Awaitable[Any]]


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's implicit BEGIN is deferred
    # and cannot be made IMMEDIATE).
    dbapi_connection.isolation_level = None
    sqlite_onehop.enable(dbapi_connection)
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten rows are zeroed, not left in free space ("verilerimi sil").
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


POOL_SIZE, POOL_OVERFLOW = 10, 20  # PostgreSQL connections kept, and more when busy
READERS = 4  # kept reader connections on SQLite (`Database.read_now`), each with its thread
NO_BEGIN = "none"  # the kept reader: each statement is its own snapshot (SQLite's autocommit)


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    if mode != NO_BEGIN:
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def make_engine(url: str) -> AsyncEngine:
    """Creates the async engine, with SQLite pragmas and BEGIN handling where needed.

    Statement parameters are never put into log lines or error messages (they hold names,
    phone numbers and ids)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
            # Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the
            # database file's mode.
            create_private(Path(parsed.database))
        engine = create_async_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    # PostgreSQL: no ping before each checkout (a round trip per transaction, measured 1.7 ms
    # of 2.9 for a one-statement transaction on a busy machine). A connection the server
    # dropped fails its next transaction once and is replaced (SQLAlchemy invalidates it on a
    # disconnect error); connections are renewed every half hour anyway. Up to 30 per
    # instance: 3 instances stay well within PostgreSQL's default 100.
    return create_async_engine(
        url,
        hide_parameters=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_recycle=1800,
    )


class WriteLock:
    """One writer at a time, first come first served, except that an urgent writer (a webhook
    that must store a delivery before it may answer 200) goes before every ordinary one waiting.
    The lock is handed straight to the next waiter, so nobody can slip in between."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    @property
    def locked(self) -> bool:
        return self._held

    @asynccontextmanager
    async def hold(self, urgent: bool = False) -> AsyncIterator[None]:
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if not self._held and not self._urgent and not self._normal:
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._normal
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed the lock as we were cancelled: pass it on
            else:
                queue.remove(waiter)
            raise

    def _release(self) -> None:
        for queue in (self._urgent, self._normal):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # still held: now by the waiter
                    return
        self._held = False


class Database:
    """The engine plus a write discipline: one writer at a time, short transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        # SQLite allows one writer; queueing writers here avoids BUSY round-trips. That one
        # writer keeps its connection: a pool checkout and reset per transaction cost more
        # than a short transaction itself.
        self._write_lock = WriteLock()
        self._writer: AsyncConnection | None = None
        self._runner: tuple[AsyncConnection, ThreadRunner | None] | None = None  # its thread
        # A few kept readers too, for single statements (`read_now`).
        self._read_slots = asyncio.Semaphore(READERS)
        self._readers: list[AsyncConnection] = []  # idle ones

    async def _kept_writer(self) -> AsyncConnection:
        """SQLite's one writer connection, opened again when it was lost (call under the lock)."""
        conn = self._writer
        if conn is None or conn.closed or conn.invalidated:
            conn = self._writer = await self.engine.connect()
            await conn.execution_options(sqlite_begin="IMMEDIATE")
        return conn

    @asynccontextmanager
    async def write(self, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed on success, rolled back on any error. An `urgent`
        one goes before the ordinary ones waiting for SQLite's single writer."""
        if self.is_sqlite:
            async with self._write_lock.hold(urgent):
                conn = await self._kept_writer()
                try:
                    async with conn.begin():
                        yield conn
                except BaseException:
                    if conn.in_transaction() or conn.invalidated:  # left unusable: start afresh
                        self._writer = None
                        await conn.close()
                    raise
        else:
            async with self.engine.begin() as conn:
                yield conn

    @asynccontextmanager
    async def thread_write(self) -> AsyncIterator[ThreadRunner | None]:
        """SQLite only: holds the write lock and yields `run(fn, *args)`, which calls
        ``fn(sqlite3_connection, *args)`` on the kept writer's own thread in one trip. `fn`
        begins and ends its own transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on failure)
        and leaves none open. Yields None where that is not available: use `write()`."""
        if not self.is_sqlite:
            yield None
            return
        async with self._write_lock.hold():
            conn = await self._kept_writer()
            if self._runner is None or self._runner[0] is not conn:
                driver = (await conn.get_raw_connection()).driver_connection
                self._runner = (conn, sqlite_onehop.thread_runner(driver))
            run = self._runner[1]
            try:
                yield run
            except BaseException:
                if conn.in_transaction() or conn.invalidated:  # not ours: start afresh
                    self._writer = None
                    await conn.close()
                raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only snapshot."""
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    async def read_now(self, statement: Any, parameters: Any = None) -> Any:
        """One read statement of what is committed now; returns its (buffered) result.

        On SQLite it runs on one of a few kept reader connections, outside any transaction (the
        statement is its own snapshot): one trip, no pool checkout, no BEGIN or COMMIT, and no
        wait for the writer. Elsewhere it runs in autocommit: no BEGIN and COMMIT, one trip
        instead of three. Reads that a write depends on belong in that write's transaction."""
        if not self.is_sqlite:
            async with self._autocommit.connect() as conn:
                return await conn.execute(statement, parameters)
        async with self._read_slots:
            reader = self._readers.pop() if self._readers else None
            if reader is None or reader.closed or reader.invalidated:
                reader = await self.engine.connect()
                await reader.execution_options(sqlite_begin=NO_BEGIN)
            try:
                result = await reader.execute(statement, parameters)
            except BaseException:
                await reader.close()  # whatever it was left in, the next read starts afresh
                raise
            self._readers.append(reader)
            return result

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """PostgreSQL: a connection on which every statement is its own transaction. A write
        that is one statement costs one trip there instead of three (no BEGIN and COMMIT);
        statements that must commit together belong in `write()`."""
        assert not self.is_sqlite, "SQLite writes go through its one writer (write())"
        async with self._autocommit.connect() as conn:
            yield conn

    async def checkpoint(self) -> bool:
        """On SQLite, copies the write-ahead log into the database file and empties it
        (TRUNCATE), so pages that held erased data are gone from the -wal too; True when done.
        It waits (busy timeout) for readers to finish; nothing to do on PostgreSQL."""
        if not self.is_sqlite:
            return True
        try:
            async with self._write_lock.hold():
                conn = await self._kept_writer()
                # Outside a transaction: through the driver (SQLAlchemy would BEGIN first).
                raw = (await conn.get_raw_connection()).driver_connection
                assert raw is not None
                async with raw.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    row = await cursor.fetchone()
        except Exception:  # noqa: BLE001 - what it follows is committed; retried hourly
            log.warning("WAL checkpoint failed; retried within the hour", exc_info=True)
            return False
        if row and row[0]:
            log.warning("WAL checkpoint could not finish (readers busy); retried within the hour")
            return False
        return True

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            log.warning("database ping failed", exc_info=True)
            return False
        return True

    async def dispose(self) -> None:
        kept, self._readers = [self._writer, *self._readers], []
        self._writer, self._runner = None, None
        for conn in kept:
            if conn is not None:
                await conn.close()
        await self.engine.dispose()


@asynccontextmanager
async def reading(source: Database | AsyncConnection) -> AsyncIterator[AsyncConnection]:
    """A connection to read from: a read snapshot of a Database, or the caller's own open
    connection (say, inside its write transaction), used as it is and left open."""
    if isinstance(source, Database):
        async with source.read() as conn:
            yield conn
    else:
        yield source


class LazyWrite:
    """A write transaction opened on first use, so a turn that stores nothing costs no I/O.

    It enters `db.write()` into the caller's exit stack; closing the stack commits (or rolls
    back on an exception), exactly as `async with db.write()` would.
    """

    def __init__(self, db: Database, stack: AsyncExitStack) -> None:
        self._db = db
        self._stack = stack
        self._conn: AsyncConnection | None = None

    @property
    def dialect(self) -> Dialect:
        return self._db.engine.dialect

    @property
    def opened(self) -> bool:
        return self._conn is not None

    async def connection(self) -> AsyncConnection:
        if self._conn is None:
            self._conn = await self._stack.enter_async_context(self._db.write())
        return self._conn

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        conn = await self.connection()
        if parameters is None:
            return await conn.execute(statement)
        return await conn.execute(statement, parameters)

    async def read(self, statement: Any, parameters: Any = None) -> Any:
        """A read for display: inside the transaction when one is open, else what is committed
        now (`Database.read_now`), without opening one."""
        if self._conn is not None:
            return await self._conn.execute(statement, parameters)
        return await self._db.read_now(statement, parameters)

    async def stream(self, statement: Any) -> Any:
        return await (await self.connection()).stream(statement)

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        conn = await self.connection()
        async with conn.begin_nested():
            yield
