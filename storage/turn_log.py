"""What every chat turn writes, group-committed: user rows, conversations, handled message ids.

Each turn writes a little bookkeeping: the user's row (created by their first message, its
last-message time refreshed at most once a minute), the conversation when the turn changed it,
and the message id that makes a redelivery change nothing. Written one transaction per turn,
a burst of new users queues behind SQLite's single writer and spends most of its CPU on the
trips to the database thread. Here turns hand that work in, and one flusher writes whatever has
gathered, in one transaction: on SQLite in one trip to the writer's thread (BEGIN IMMEDIATE,
every statement, COMMIT), on PostgreSQL in one statement (`_BATCH`, one trip). While one batch
commits, the next gathers.

Three kinds of work:

- `arrive`: the user's row created or refreshed, returned with the saved conversation and
  whether the turn's message id was recorded before (a redelivery: nothing more is done for
  it). Awaited: the turn needs all three before it can answer. Creating the row is idempotent,
  so it needs no message id beside it (a turn redelivered after a crash finds the same row).
- `finish`: the conversation a turn changed and the turn's message id (with what the turn
  answered, when the channel keeps that: WhatsApp), in one transaction, the id first. Awaited
  before the reply is sent, so a turn's changes and its id are committed together, or neither:
  a redelivery finds the id, writes nothing of its turn and is told so.
- `seen`: the id of a turn that changed nothing. Not awaited: it goes with the next batch, at
  most `delay` later, so a question redelivered after a crash inside that window is answered
  again (it changed nothing the second answer could repeat).

A batch that fails is written again one piece of work at a time: only the work that fails on
its own fails, and only its caller hears of it. Turns that write anything else (an
application, a preference, an erasure) keep their own transaction (`storage.db.LazyWrite`).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Boolean, Table, bindparam, select, text
from sqlalchemy import column as named
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect

from storage import tables as t
from storage.db import Database, ThreadRunner
from storage.repos import (
    RECORD_ANSWERED,
    SAVE_CONVERSATION,
    TOUCH_USER,
    conversation_params,
    touch_params,
)
from storage.types import UTCDateTime

log = logging.getLogger(__name__)

USER_COLUMNS = tuple(t.users.c.keys())
CONVERSATION_COLUMNS = ("state", "data", "token", "failures", "updated_at")
_LOAD_CONVERSATION = select(*(t.conversations.c[c] for c in CONVERSATION_COLUMNS)).where(
    t.conversations.c.user_key == bindparam("user_key")
)
_WAS_SEEN = select(t.processed_messages.c.replies).where(
    t.processed_messages.c.user_key == bindparam("user_key"),
    t.processed_messages.c.message_id == bindparam("message_id"),
)
ARRIVE, FINISH, SEEN = "arrive", "finish", "seen"
# Batches committed at once on PostgreSQL. Measured (bench/whatsapp.py, one instance): 4 at
# once 172 messages/s at 4.7 ms CPU each, 2: 170 at 3.7 ms, 1: 229 at 3.0 ms — smaller batches
# cost more CPU than the overlap saves. Kept as a setting of the code for a faster server.
WRITERS = 1


@dataclass(frozen=True, slots=True)
class Arrival:
    """The user's row as this turn left it, their saved conversation (None: none saved),
    whether the message id was recorded before, and what that turn recorded it answered."""

    user: dict[str, Any]
    conversation: dict[str, Any] | None
    redelivered: bool = False
    recorded: str | None = None


@dataclass(slots=True)
class _Work:
    kind: str
    user: str
    at: datetime
    message_id: str | None = None
    conversation: dict[str, Any] | None = None  # finish: the columns to store
    load: bool = False  # arrive: read the saved conversation too
    replies: str | None = None  # finish, seen: what the turn answered, kept with its id
    future: asyncio.Future[Any] | None = None  # None: nobody waits (seen)


class TurnLog:
    """Group commit for the engine's per-turn writes."""

    def __init__(
        self, db: Database, *, delay: float = 0.02, max_batch: int = 500, one_trip: bool = True
    ) -> None:
        self._db = db
        self._delay = delay
        self._max_batch = max_batch
        self._pending: list[_Work] = []
        self._soon = asyncio.Event()  # set while awaited work is pending: flush without delay
        self._tasks: set[asyncio.Task[None]] = set()
        # SQLite has one writer: one batch at a time. PostgreSQL could commit several at once
        # (a user's works never meet in two batches: the engine runs a user's turns one at a
        # time), but measured, one at a time is faster (WRITERS).
        self._writers = 1 if db.is_sqlite else WRITERS
        self._threaded: bool | None = None  # whether the one-trip path works here (SQLite)
        # On SQLite the batch goes to the writer's thread in one trip (`one_trip` false: through
        # SQLAlchemy, as elsewhere; for tests).
        self._sqlite = _Sqlite(db.engine.dialect) if db.is_sqlite and one_trip else None
        self.batches = 0  # transactions written, for tests and benches

    # What the engine hands in ----------------------------------------------------------------

    async def arrive(
        self, user: str, at: datetime, message_id: str | None, *, load: bool
    ) -> Arrival:
        """Creates the user's row or refreshes its last-message time; returns the row, the
        saved conversation when `load` (none for a user created now), and whether
        `message_id` was recorded before."""
        arrival: Arrival = await self._wait(_Work(ARRIVE, user, at, message_id, load=load))
        return arrival

    async def finish(
        self,
        user: str,
        at: datetime,
        message_id: str | None,
        conversation: dict[str, Any],
        replies: str | None = None,
    ) -> bool:
        """Stores a turn's conversation columns and its message id (with `replies`, what it
        answered) in one transaction; False (and nothing stored) when the id was recorded
        before: a redelivery."""
        work = _Work(FINISH, user, at, message_id, conversation, replies=replies)
        first: bool = await self._wait(work)
        return first

    def seen(self, user: str, message_id: str, at: datetime, replies: str | None = None) -> None:
        """Records the id of a turn that changed nothing, with the next batch (not awaited)."""
        self._submit(_Work(SEEN, user, at, message_id, replies=replies))

    async def recorded(self, user: str, message_id: str) -> str | None:
        """What the turn that recorded `message_id` answered (None: nothing kept)."""
        params = {"user_key": user, "message_id": message_id}
        recorded: str | None = (await self._db.read_now(_WAS_SEEN, params)).scalar()
        return recorded

    def forget(self, user: str) -> None:
        """Drops a user's ids not written yet ("verilerimi sil"). Call it while holding the
        write transaction that erases the user: batches are taken only under the write lock."""
        self._pending = [w for w in self._pending if w.user != user or w.future is not None]

    async def close(self) -> None:
        """Writes everything handed in so far."""
        while running := [task for task in self._tasks if not task.done()]:
            self._soon.set()
            await asyncio.wait(running)

    # Group commit ----------------------------------------------------------------------------

    async def _wait(self, work: _Work) -> Any:
        work.future = asyncio.get_running_loop().create_future()
        self._submit(work)
        # A caller that is cancelled cancels only its future: the work is written all the same
        # (it may be committed already), and nobody is told.
        return await work.future

    def _submit(self, work: _Work) -> None:
        self._pending.append(work)
        if work.future is not None:
            self._soon.set()
        busy = sum(not task.done() for task in self._tasks)
        if busy == 0 or (work.future is not None and busy < self._writers):
            task = asyncio.create_task(self._run(), name="turn-log")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        while self._pending:
            if not self._soon.is_set():  # only ids nobody waits for: let more gather
                with suppress(TimeoutError):
                    async with asyncio.timeout(self._delay):
                        await self._soon.wait()
            taken: list[_Work] = []
            try:
                results = await self._commit(taken, take=True)
            except Exception as exc:  # noqa: BLE001 - one bad piece must not sink its batch
                if len(taken) == 1:
                    _fail(taken[0], exc)
                    continue
                log.warning("turn batch failed; writing its work one by one", exc_info=True)
                for work in taken:
                    await self._alone(work)
            else:
                for work, result in zip(taken, results, strict=True):
                    _settle(work, result)

    async def _alone(self, work: _Work) -> None:
        try:
            (result,) = await self._commit([work], take=False)
        except Exception as exc:  # noqa: BLE001 - handed to whoever waits for it
            _fail(work, exc)
        else:
            _settle(work, result)

    def _take(self) -> list[_Work]:
        batch = self._pending[: self._max_batch]
        del self._pending[: self._max_batch]
        if not any(w.future is not None for w in self._pending):
            self._soon.clear()
        return batch

    async def _commit(self, works: list[_Work], *, take: bool) -> list[Any]:
        """Writes `works` (with `take`: the pending work, taken under the write lock) in one
        transaction; returns one result per work."""
        if self._sqlite is not None and self._threaded is not False:
            async with self._db.thread_write() as run:
                if run is not None:
                    self._threaded = True
                    if take:
                        works += self._take()
                    if not works:
                        return []
                    results = await self._sqlite.commit(run, works)
                    self.batches += 1
                    return results
            self._threaded = False
        if not self._db.is_sqlite:
            if take:
                works += self._take()
                take = False
            if not works:
                return []
            if _one_each(works):  # the usual batch: one statement
                results = await _commit_postgres(self._db, works)
                self.batches += 1
                return results
        async with self._db.write() as conn:
            if take:
                works += self._take()
            if not works:
                return []
            results = await _commit_sqlalchemy(conn, works)
        self.batches += 1
        return results


def _settle(work: _Work, result: Any) -> None:
    if work.future is not None and not work.future.done():
        work.future.set_result(result)


def _fail(work: _Work, exc: Exception) -> None:
    if work.future is None:  # a lost id costs at most a repeated answer
        log.warning("could not record a handled message id: %r", exc)
    elif not work.future.done():
        work.future.set_exception(exc)


async def _commit_sqlalchemy(conn: AsyncConnection, works: list[_Work]) -> list[Any]:
    """The batch through SQLAlchemy, in the caller's transaction (PostgreSQL)."""
    out: list[Any] = []
    seen: list[dict[str, Any]] = []
    for work in works:
        if work.kind == ARRIVE:
            touch = touch_params(work.user, work.at)
            row = dict((await conn.execute(TOUCH_USER, touch)).one()._mapping)
            saved, again, recorded = None, False, None
            if row["created_at"] != work.at:  # not created by this turn
                user = {"user_key": work.user}
                if work.message_id is not None:
                    params = {**user, "message_id": work.message_id}
                    record = (await conn.execute(_WAS_SEEN, params)).first()
                    again, recorded = record is not None, record[0] if record else None
                if work.load and not again:
                    found = (await conn.execute(_LOAD_CONVERSATION, user)).first()
                    saved = dict(found._mapping) if found is not None else None
            out.append(Arrival(row, saved, again, recorded))
        elif work.kind == FINISH:
            if work.message_id is not None:
                params = _seen_params(work)
                if not (await conn.execute(RECORD_ANSWERED, params)).rowcount:
                    out.append(False)  # a redelivery: nothing of it is written
                    continue
            if work.conversation is not None:
                values = conversation_params(work.user, work.at, work.conversation)
                await conn.execute(SAVE_CONVERSATION, values)
            out.append(True)
        else:
            seen.append(_seen_params(work))
            out.append(None)
    if seen:
        await conn.execute(RECORD_ANSWERED, seen)
    return out


def _one_each(works: list[_Work]) -> bool:
    """Whether no user has two awaited pieces of work in `works` (the engine runs a user's
    turns one at a time, so they never do unless a caller breaks that rule)."""
    users = [w.user for w in works if w.kind != SEEN]
    return len(users) == len(set(users))


# The whole batch in one statement on PostgreSQL, in autocommit (`Database.autocommit`: one
# trip, where the statements of `_commit_sqlalchemy` take three per arrival and two per finish,
# plus BEGIN and COMMIT): the arrivals' user rows created or refreshed, returned with their
# recorded message ids and saved conversations as they were before the statement; the message
# ids recorded (finishes before the unawaited ids of `seen`), and the conversations of the
# finishes whose id was recorded now (or that have none). Rows are taken in one order (sorted
# keys), so two instances' batches never wait for each other in opposite orders. It needs each
# user at most once among the arrivals and finishes (`_one_each`): the sub-statements of one
# statement see the same snapshot, and one upsert cannot change a row twice.
_BATCH = (
    text(
        """
    WITH a AS (
        SELECT * FROM unnest(CAST(:a_users AS text[]), CAST(:a_ats AS timestamptz[]),
                             CAST(:a_ids AS text[])) AS a(user_key, at, message_id)
    ), touched AS (
        INSERT INTO users AS u (key, channel, created_at, last_inbound_at)
        SELECT user_key, split_part(user_key, ':', 1), at, at FROM a ORDER BY user_key
        ON CONFLICT (key) DO UPDATE SET last_inbound_at = excluded.last_inbound_at,
                                        unreachable = false
        RETURNING u.*
    ), r AS (
        SELECT * FROM unnest(CAST(:r_users AS text[]), CAST(:r_ids AS text[]),
                             CAST(:r_ats AS timestamptz[]), CAST(:r_replies AS text[]),
                             CAST(:r_late AS int[])) AS r(user_key, message_id, at, replies, late)
    ), recorded AS (
        INSERT INTO processed_messages (user_key, message_id, processed_at, replies)
        SELECT user_key, message_id, at, replies FROM r ORDER BY user_key, message_id, late
        ON CONFLICT (user_key, message_id) DO NOTHING
        RETURNING user_key, message_id
    ), s AS (
        SELECT * FROM unnest(CAST(:s_users AS text[]), CAST(:s_ids AS text[]),
                             CAST(:s_ats AS timestamptz[]), CAST(:s_states AS text[]),
                             CAST(:s_data AS text[]), CAST(:s_tokens AS text[]),
                             CAST(:s_failures AS int[]))
            AS s(user_key, message_id, at, state, data, token, failures)
    ), saved AS (
        INSERT INTO conversations AS c (user_key, state, data, token, failures, updated_at)
        SELECT user_key, state, data, token, failures, at FROM s
        WHERE s.message_id IS NULL OR EXISTS (
            SELECT FROM recorded WHERE recorded.user_key = s.user_key
                                   AND recorded.message_id = s.message_id)
        ORDER BY user_key
        ON CONFLICT (user_key) DO UPDATE SET
            state = excluded.state, data = excluded.data, token = excluded.token,
            failures = excluded.failures, updated_at = excluded.updated_at
    )
    SELECT {user}, p.user_key IS NOT NULL AS again, p.replies,
           c.user_key IS NOT NULL AS has_conversation, {conversation}, NULL AS message_id
    FROM touched t JOIN a ON a.user_key = t.key
    LEFT JOIN processed_messages p ON p.user_key = t.key AND p.message_id = a.message_id
    LEFT JOIN conversations c ON c.user_key = t.key
    UNION ALL
    SELECT user_key, {nulls}, message_id FROM recorded
    """.format(
            user=", ".join(f"t.{c}" for c in USER_COLUMNS),
            conversation=", ".join(f"c.{c}" for c in CONVERSATION_COLUMNS),
            nulls=", ".join(["NULL"] * (len(USER_COLUMNS) + 2 + len(CONVERSATION_COLUMNS))),
        )
    )
    .bindparams(*(bindparam(f"{p}_ats", type_=ARRAY(UTCDateTime())) for p in "ars"))
    .columns(
        *(t.users.c[c] for c in USER_COLUMNS),
        named("again", Boolean),
        t.processed_messages.c.replies,
        named("has_conversation", Boolean),
        *(t.conversations.c[c] for c in CONVERSATION_COLUMNS),
        t.processed_messages.c.message_id,
    )
)


async def _commit_postgres(db: Database, works: list[_Work]) -> list[Any]:
    """The batch in one statement (`_BATCH`); one result per work."""
    arrivals = [w for w in works if w.kind == ARRIVE]
    records = [w for w in works if w.kind != ARRIVE and w.message_id is not None]
    saves = [w for w in works if w.kind == FINISH and w.conversation is not None]
    params = {
        "a_users": [w.user for w in arrivals],
        "a_ats": [w.at for w in arrivals],
        "a_ids": [w.message_id for w in arrivals],
        "r_users": [w.user for w in records],
        "r_ids": [w.message_id for w in records],
        "r_ats": [w.at for w in records],
        "r_replies": [w.replies for w in records],
        "r_late": [int(w.kind == SEEN) for w in records],
        "s_users": [w.user for w in saves],
        "s_ids": [w.message_id for w in saves],
        "s_ats": [w.at for w in saves],
        **{
            f"s_{name}": [(w.conversation or {})[col] for w in saves]
            for name, col in _SAVED.items()
        },
    }
    users: dict[str, Any] = {}
    recorded: set[tuple[str, str]] = set()
    async with db.autocommit() as conn:
        rows = (await conn.execute(_BATCH, params)).all()
    for row in rows:
        if row.message_id is None:
            users[row.key] = row
        else:
            recorded.add((row.key, row.message_id))
    out: list[Any] = []
    for work in works:
        if work.kind == ARRIVE:
            row = users[work.user]
            user = {c: row._mapping[c] for c in USER_COLUMNS}
            created = user["created_at"] == work.at  # by this turn: nothing recorded or saved
            again = not created and work.message_id is not None and row.again
            saved = None
            if work.load and not created and not again and row.has_conversation:
                saved = {c: row._mapping[c] for c in CONVERSATION_COLUMNS}
            out.append(Arrival(user, saved, again, row.replies if again else None))
        elif work.kind == FINISH:
            out.append(work.message_id is None or (work.user, work.message_id) in recorded)
        else:
            out.append(None)
    return out


# The conversation columns a finish hands in, by the name of their parameter in `_BATCH`.
_SAVED = {"states": "state", "data": "data", "tokens": "token", "failures": "failures"}


def _seen_params(work: _Work) -> dict[str, Any]:
    return {
        "user_key": work.user,
        "message_id": work.message_id,
        "processed_at": work.at,
        "replies": work.replies,
    }


def _sql(statement: TextClause | TextualSelect) -> str:
    return statement.element.text if isinstance(statement, TextualSelect) else statement.text


def _binder(dialect: Dialect, table: Table) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Converts a statement's parameters as SQLAlchemy would for the columns they set (a
    ``set_<column>`` parameter converts as its column)."""
    processors: dict[str, Callable[[Any], Any]] = {}
    for column in table.c:
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[column.name] = processors[f"set_{column.name}"] = processor

    def bind(params: dict[str, Any]) -> dict[str, Any]:
        return {k: processors[k](v) if k in processors else v for k, v in params.items()}

    return bind


def _reader(
    dialect: Dialect, table: Table, names: tuple[str, ...]
) -> Callable[[Any], dict[str, Any]]:
    """Turns a raw row of `names` into the values SQLAlchemy would have returned."""
    processors = [
        table.c[n].type.dialect_impl(dialect).result_processor(dialect, None) for n in names
    ]

    def read(row: Any) -> dict[str, Any]:
        return {
            name: value if processor is None or value is None else processor(value)
            for name, processor, value in zip(names, processors, row, strict=True)
        }

    return read


class _Sqlite:
    """The batch in one trip to the SQLite writer's thread: the statements of storage.repos,
    their parameters converted here as SQLAlchemy converts them."""

    def __init__(self, dialect: Dialect) -> None:
        self.bind_user = _binder(dialect, t.users)
        self.bind_seen = _binder(dialect, t.processed_messages)
        self.bind_conversation = _binder(dialect, t.conversations)
        self.read_user = _reader(dialect, t.users, USER_COLUMNS)
        self.read_conversation = _reader(dialect, t.conversations, CONVERSATION_COLUMNS)

    async def commit(self, run: ThreadRunner, works: list[_Work]) -> list[Any]:
        plan: list[tuple[str, Any, Any]] = []
        for work in works:
            if work.kind == ARRIVE:
                touch = self.bind_user(touch_params(work.user, work.at))
                plan.append((ARRIVE, touch, (work.message_id, work.load)))
            elif work.kind == FINISH:
                seen = self.bind_seen(_seen_params(work)) if work.message_id is not None else None
                conversation = None
                if work.conversation is not None:
                    values = conversation_params(work.user, work.at, work.conversation)
                    conversation = self.bind_conversation(values)
                plan.append((FINISH, seen, conversation))
            else:
                plan.append((SEEN, self.bind_seen(_seen_params(work)), None))
        results: list[Any] = await run(_apply, plan, self.arrival)
        return results

    def arrival(self, row: Any, saved: Any, record: Any) -> Arrival:
        """An arrival from raw rows (on the writer's thread, before the batch commits: a row
        that cannot be read fails its batch, which is then written one by one)."""
        conversation = self.read_conversation(saved) if saved is not None else None
        again = record is not None
        return Arrival(self.read_user(row), conversation, again, record[0] if again else None)


_TOUCH_SQL = _sql(TOUCH_USER)
_SEEN_SQL = _sql(RECORD_ANSWERED)
_SAVE_SQL = _sql(SAVE_CONVERSATION)
_LOAD_SQL = (
    f"SELECT {', '.join(CONVERSATION_COLUMNS)} FROM conversations WHERE user_key = :user_key"
)
_WAS_SEEN_SQL = (
    "SELECT replies FROM processed_messages WHERE user_key = :user_key AND message_id = :message_id"
)
_CREATED = USER_COLUMNS.index("created_at")


def _apply(
    conn: sqlite3.Connection,
    plan: list[tuple[str, Any, Any]],
    arrival: Callable[[Any, Any, Any], Arrival],
) -> list[Any]:
    """On the writer's thread: one transaction for the whole batch; none left open."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        out: list[Any] = []
        seen: list[Any] = []
        for kind, a, b in plan:
            if kind == ARRIVE:
                (row,) = conn.execute(_TOUCH_SQL, a).fetchall()
                message_id, load = b
                saved, record = None, None
                if row[_CREATED] != a["created_at"]:  # not created by this turn
                    user = {"user_key": a["key"]}
                    if message_id is not None:
                        seen_params = {**user, "message_id": message_id}
                        records = conn.execute(_WAS_SEEN_SQL, seen_params).fetchall()
                        record = records[0] if records else None
                    if load and record is None:
                        found = conn.execute(_LOAD_SQL, user).fetchall()
                        saved = found[0] if found else None
                out.append(arrival(row, saved, record))
            elif kind == FINISH:
                if a is not None and conn.execute(_SEEN_SQL, a).rowcount == 0:
                    out.append(False)  # a redelivery: nothing of it is written
                    continue
                if b is not None:
                    conn.execute(_SAVE_SQL, b)
                out.append(True)
            else:
                seen.append(a)
                out.append(None)
        if seen:
            conn.executemany(_SEEN_SQL, seen)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return out
