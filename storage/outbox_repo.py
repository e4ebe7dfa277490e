"""The outbox: reminders planned from sessions, and every other push, claimed and marked."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage import wa_pages

CHUNK = 2_000

# (session starts_at) -> [(reminder kind, due)]
DuePlan = Callable[[datetime], list[tuple[str, datetime]]]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    user_key: str
    kind: str
    payload: dict[str, Any]
    due_at: datetime
    attempts: int
    session_id: str | None
    enrolment_id: int | None


def _insert_ignore(conn: AsyncConnection) -> Any:
    """INSERT that skips rows whose unique key exists, on SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        # asyncpg reports no row count for a many-row INSERT: the new rows' ids are counted.
        return (
            postgresql.insert(t.outbox)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(t.outbox.c.id)
        )
    return sqlite.insert(t.outbox).on_conflict_do_nothing(index_elements=["dedupe_key"])


async def _insert_chunk(conn: AsyncConnection, chunk: list[dict[str, Any]]) -> int:
    result = await conn.execute(_insert_ignore(conn), chunk)
    if conn.dialect.name == "postgresql":
        return len(result.all())
    return max(result.rowcount, 0)


async def queue_many(conn: AsyncConnection, rows: Iterable[dict[str, Any]]) -> int:
    """Inserts outbox rows in chunks, skipping those already there; returns how many were new."""
    added = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            added += await _insert_chunk(conn, chunk)
            chunk = []
    if chunk:
        added += await _insert_chunk(conn, chunk)
    return added


def reminder_key(session: str, enrolment: int, kind: str) -> str:
    return f"rem:{session}:{enrolment}:{kind}"


async def plan_reminders(
    conn: AsyncConnection, now: datetime, horizon: timedelta, plan: DuePlan
) -> int:
    """Writes a reminder row per upcoming session, linked trainee and reminder kind."""
    e, s, u = t.enrolments, t.sessions, t.users
    query = (
        select(e.c.id, e.c.user_key, u.c.reminders, s.c.id.label("sid"), s.c.starts_at)
        .join(s, s.c.course_id == e.c.course_id)
        .join(u, u.c.key == e.c.user_key)
        .where(
            s.c.status == "scheduled",
            s.c.starts_at > now,
            s.c.starts_at <= now + horizon,
            u.c.reminders != "off",
        )
    )
    result = await conn.stream(query)

    async def rows() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        async for r in result:
            chosen = set(r.reminders.split(",")) if r.reminders else None
            for kind, due in plan(r.starts_at):
                if chosen is not None and kind not in chosen:
                    continue
                out.append(
                    {
                        "user_key": r.user_key,
                        "kind": "reminder",
                        "payload": json.dumps({"session": r.sid, "rkind": kind}),
                        "dedupe_key": reminder_key(r.sid, r.id, kind),
                        "due_at": max(due, now),
                        "created_at": now,
                        "session_id": r.sid,
                        "enrolment_id": r.id,
                    }
                )
        return out

    return await queue_many(conn, await rows())


def _lapsed(now: datetime) -> Any:
    """Rows being sent by an instance whose lease ran out (it died), or by one from before
    leases."""
    o = t.outbox
    return and_(o.c.status == "sending", or_(o.c.lease_until.is_(None), o.c.lease_until < now))


async def claim_due(
    conn: AsyncConnection,
    now: datetime,
    limit: int,
    owner: str | None = None,
    lease: timedelta = timedelta(seconds=30),
) -> list[OutboxRow]:
    """Marks up to `limit` due rows as being sent by `owner` (until `now + lease`) and returns
    them, oldest first. With an owner, rows whose sender's lease ran out are due too."""
    o = t.outbox
    due = and_(o.c.status == "queued", o.c.due_at <= now)
    if owner is not None:
        due = or_(due, _lapsed(now))
    query = select(o.c.id).where(due).order_by(o.c.due_at, o.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = [r[0] for r in await conn.execute(query)]
    if not ids:
        return []
    await conn.execute(
        update(o)
        .where(o.c.id.in_(ids), due)
        .values(status="sending", attempts=o.c.attempts + 1, owner=owner, lease_until=now + lease)
    )
    rows = await conn.execute(select(o).where(o.c.id.in_(ids)).order_by(o.c.due_at, o.c.id))
    return [
        OutboxRow(
            id=r.id,
            user_key=r.user_key,
            kind=r.kind,
            payload=json.loads(r.payload),
            due_at=r.due_at,
            attempts=r.attempts,
            session_id=r.session_id,
            enrolment_id=r.enrolment_id,
        )
        for r in rows
    ]


async def mark(
    conn: AsyncConnection, row_id: int, status: str, now: datetime, error: str = ""
) -> None:
    """Records how a claimed row ended: sent, skipped or failed."""
    values: dict[str, Any] = {"status": status, "last_error": error[:500]}
    if status == "sent":
        values["sent_at"] = now
    await conn.execute(update(t.outbox).where(t.outbox.c.id == row_id).values(**values))


async def retry_later(
    conn: AsyncConnection,
    row_id: int,
    due: datetime,
    error: str,
    payload: dict[str, Any] | None = None,
) -> None:
    """Puts a claimed row back in the queue for a later attempt (with a new payload, when given:
    e.g. how much of a push of several messages was delivered)."""
    values: dict[str, Any] = {"status": "queued", "due_at": due, "last_error": error[:500]}
    if payload is not None:
        values["payload"] = json.dumps(payload, ensure_ascii=False)
    await conn.execute(update(t.outbox).where(t.outbox.c.id == row_id).values(**values))


async def recover_in_flight(conn: AsyncConnection, now: datetime) -> int:
    """After a crash: rows left "sending" by an instance whose lease ran out go back to the
    queue (they may be sent twice); a live instance's are left to it."""
    done = await conn.execute(
        update(t.outbox).where(_lapsed(now)).values(status="queued", owner=None, lease_until=None)
    )
    return done.rowcount


async def renew_leases(conn: AsyncConnection, owner: str, until: datetime) -> int:
    """Extends the leases of the rows `owner` is sending."""
    o = t.outbox
    done = await conn.execute(
        update(o).where(o.c.owner == owner, o.c.status == "sending").values(lease_until=until)
    )
    return done.rowcount


async def drop_session_reminders(conn: AsyncConnection, session_id: str) -> int:
    """Removes reminders not yet sent for a session that was cancelled or moved."""
    done = await conn.execute(
        delete(t.outbox).where(
            t.outbox.c.session_id == session_id,
            t.outbox.c.kind == "reminder",
            t.outbox.c.status == "queued",
        )
    )
    return done.rowcount


async def status_counts(conn: AsyncConnection, dedupe_prefix: str) -> dict[str, int]:
    """How many rows with keys starting with `dedupe_prefix` are in each status."""
    rows = await conn.execute(
        select(t.outbox.c.status).where(t.outbox.c.dedupe_key.startswith(dedupe_prefix))
    )
    counts: dict[str, int] = {}
    for (status,) in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


async def linked_trainees(conn: AsyncConnection, course_id: str) -> list[tuple[int, str]]:
    """(enrolment id, user key) of the course's trainees whose chat account is known."""
    rows = await conn.execute(
        select(t.enrolments.c.id, t.enrolments.c.user_key).where(
            and_(t.enrolments.c.course_id == course_id, t.enrolments.c.user_key.is_not(None))
        )
    )
    return [(r.id, r.user_key) for r in rows]


async def queue_rows(
    conn: AsyncConnection,
    now: datetime,
    kind: str,
    payload: dict[str, Any],
    targets: list[tuple[int, str]],
    key_prefix: str,
    session_id: str | None = None,
) -> int:
    """Queues one message of `kind` for each (enrolment, user) target."""
    return await queue_many(
        conn,
        (
            {
                "user_key": user,
                "kind": kind,
                "payload": json.dumps(payload, ensure_ascii=False),
                "dedupe_key": f"{key_prefix}:{enrolment}",
                "due_at": now,
                "created_at": now,
                "session_id": session_id,
                "enrolment_id": enrolment,
            }
            for enrolment, user in targets
        ),
    )


async def plan_welcomes(conn: AsyncConnection, now: datetime, ahead: timedelta) -> int:
    """A welcome (address, what to bring) before each linked trainee's first session: the
    first one after they enrolled, so a trainee who joins a running course is welcomed too."""
    s, e = t.sessions, t.enrolments
    first = (
        select(func.min(s.c.starts_at))
        .where(
            s.c.course_id == e.c.course_id,
            s.c.status == "scheduled",
            s.c.starts_at > e.c.created_at,
        )
        .correlate(e)
        .scalar_subquery()
    )
    rows = await conn.execute(
        select(e.c.id, e.c.user_key, e.c.course_id, s.c.id.label("sid"))
        .join(s, and_(s.c.course_id == e.c.course_id, s.c.starts_at == first))
        .where(
            e.c.user_key.is_not(None),
            s.c.status == "scheduled",
            s.c.starts_at > now,
            s.c.starts_at <= now + ahead,
        )
    )
    return await queue_many(
        conn,
        (
            {
                "user_key": r.user_key,
                "kind": "welcome",
                "payload": json.dumps({"session": r.sid}),
                "dedupe_key": f"welcome:{r.id}",
                "due_at": now,
                "created_at": now,
                "session_id": r.sid,
                "enrolment_id": r.id,
            }
            for r in rows
        ),
    )


async def plan_interest_alerts(conn: AsyncConnection, now: datetime) -> int:
    """Tells users who asked about a branch that an offering of it now takes applications."""
    i, c, ce = t.interests, t.courses, t.centers
    today = now.date()
    rows = (
        await conn.execute(
            select(i.c.id, i.c.user_key, c.c.id.label("course"))
            .join(c, c.c.branch_id == i.c.branch_id)
            .join(ce, ce.c.id == c.c.center_id)
            .where(
                i.c.notified_at.is_(None),
                c.c.status == "open",
                c.c.starts_on >= today,
                or_(c.c.application_opens.is_(None), c.c.application_opens <= today),
                or_(c.c.application_closes.is_(None), c.c.application_closes >= today),
                or_(i.c.district == "", i.c.district == ce.c.district),
            )
            .order_by(i.c.id, c.c.starts_on)
        )
    ).all()
    seen: set[int] = set()
    targets = []
    for r in rows:
        if r.id in seen:
            continue
        seen.add(r.id)
        targets.append(r)
    added = await queue_many(
        conn,
        (
            {
                "user_key": r.user_key,
                "kind": "alert",
                "payload": json.dumps({"course": r.course}),
                "dedupe_key": f"alert:{r.id}:{r.course}",
                "due_at": now,
                "created_at": now,
            }
            for r in targets
        ),
    )
    if seen:
        await conn.execute(update(i).where(i.c.id.in_(seen)).values(notified_at=now))
    return added


async def clean_up(conn: AsyncConnection, now: datetime) -> None:
    """Forgets handled message ids after 30 days, finished pushes after 90 and the pages of
    long WhatsApp lists nobody paged within 15 minutes (`storage.wa_pages`)."""
    await conn.execute(
        delete(t.processed_messages).where(
            t.processed_messages.c.processed_at < now - timedelta(days=30)
        )
    )
    await conn.execute(
        delete(t.outbox).where(
            t.outbox.c.status.in_(("sent", "skipped", "failed")),
            t.outbox.c.created_at < now - timedelta(days=90),
        )
    )
    await wa_pages.prune(conn, now)
