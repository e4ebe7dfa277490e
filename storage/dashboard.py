"""The numbers that run the institution, for the panel's dashboard and /metrics: each a
small query over an index (they answer in milliseconds over a year of data; bench/panel.py).

Centre staff see their centres' applications, courses and sessions; the message counts, the
fallback share, reminders and the inbox waiting times are the institution's (admins) or the
reader's centres' (inbox)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t

Scope = frozenset[str] | None
WEEK = timedelta(days=7)
DAYS = 14  # messages per channel per day, this many days back
FILLING = 0.8  # a course is filling up from this share of its seats taken
CHANNELS = {"te": "telegram", "wh": "whatsapp", "co": "console"}


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


async def applications_week(
    conn: AsyncConnection, scope: Scope, now: datetime
) -> list[tuple[str, str, int]]:
    """(status, centre name, count) of applications made in the last seven days."""
    a, c, ce = t.applications.c, t.courses.c, t.centers.c
    # Bounded on both sides: with a one-sided range SQLite's planner expects a quarter of the
    # table and walks the (course, status) index over every application instead (280 ms
    # over 50,000; 13 ms this way).
    week = (
        select(a.course_id, a.status, func.count().label("n"))
        .where(a.created_at >= now - WEEK, a.created_at <= now)
        .group_by(a.course_id, a.status)
        .subquery()
    )
    query = (
        select(week.c.status, ce.name, func.sum(week.c.n))
        .join(t.courses, c.id == week.c.course_id)
        .join(t.centers, ce.id == c.center_id)
        .group_by(week.c.status, ce.name)
        .order_by(ce.name, week.c.status)
    )
    if scope is not None:
        query = query.where(c.center_id.in_(sorted(scope)))
    return [(status, name, int(n)) for status, name, n in await conn.execute(query)]


async def filling_up(
    conn: AsyncConnection, scope: Scope, today: date, limit: int = 10
) -> list[dict[str, Any]]:
    """Open courses still to start with at least 80% of their seats taken, fullest first."""
    a, c, b = t.applications.c, t.courses.c, t.branches.c
    taken = (
        select(a.course_id, func.count().label("taken"))
        .where(a.status.in_(("pending", "accepted")))
        .group_by(a.course_id)
        .subquery()
    )
    query = (
        select(c.id, b.name, c.capacity, taken.c.taken)
        .join(taken, taken.c.course_id == c.id)
        .join(t.branches, b.id == c.branch_id)
        .where(c.starts_on >= today, c.status == "open", c.capacity > 0)
        .where(taken.c.taken >= c.capacity * FILLING)
        .order_by((taken.c.taken * 1.0 / c.capacity).desc(), c.id)
        .limit(limit)
    )
    if scope is not None:
        query = query.where(c.center_id.in_(sorted(scope)))
    return [dict(r) for r in (await conn.execute(query)).mappings()]


async def sessions_today(
    conn: AsyncConnection, scope: Scope, today: date, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Today's sessions with their "coming" and "not coming" answers."""
    s, c, b, at = t.sessions.c, t.courses.c, t.branches.c, t.attendance.c
    start = _local_midnight(today, tz)
    yes = func.count(at.answer).filter(at.answer == "yes").label("yes")
    no = func.count(at.answer).filter(at.answer == "no").label("no")
    query = (
        select(s.id, s.starts_at, s.status, b.name, yes, no)
        .join(t.courses, c.id == s.course_id)
        .join(t.branches, b.id == c.branch_id)
        .outerjoin(t.attendance, at.session_id == s.id)
        .where(s.starts_at >= start, s.starts_at < start + timedelta(days=1))
        .group_by(s.id, s.starts_at, s.status, b.name)
        .order_by(s.starts_at, s.id)
    )
    if scope is not None:
        query = query.where(c.center_id.in_(sorted(scope)))
    return [dict(r) for r in (await conn.execute(query)).mappings()]


async def reminders_week(conn: AsyncConnection, now: datetime) -> dict[str, int]:
    """Reminders due in the last seven days: sent, failed, unreachable, other, waiting."""
    o = t.outbox.c
    out = dict.fromkeys(("sent", "failed", "unreachable", "skipped", "waiting"), 0)
    rows = await conn.execute(
        select(o.status, o.last_error, func.count())
        .where(o.kind == "reminder", o.due_at >= now - WEEK, o.due_at <= now)
        .group_by(o.status, o.last_error)
    )
    for status, error, n in rows:
        if status in ("sent", "failed"):
            out[status] += n
        elif status in ("queued", "sending"):
            out["waiting"] += n
        elif error in ("blocked", "unreachable", "skipped_off", "pushes_off"):
            out["unreachable"] += n
        else:
            out["skipped"] += n
    return out


async def messages_per_day(
    conn: AsyncConnection, now: datetime, tz: ZoneInfo
) -> list[tuple[date, dict[str, int]]]:
    """Messages received per channel on each of the last 14 local days, oldest first."""
    p = t.processed_messages.c
    today = now.astimezone(tz).date()
    channel = func.substr(p.user_key, 1, 2)
    out: list[tuple[date, dict[str, int]]] = []
    for back in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=back)
        start = _local_midnight(day, tz)
        rows = await conn.execute(
            select(channel, func.count())
            .where(p.processed_at >= start, p.processed_at < start + timedelta(days=1))
            .group_by(channel)
        )
        out.append((day, {CHANNELS.get(k, k): int(n) for k, n in rows}))
    return out


async def fallback_share(conn: AsyncConnection, now: datetime) -> tuple[int, int]:
    """(turns that reached the fallback, messages) in the last seven days."""
    u, p = t.unanswered_texts.c, t.processed_messages.c
    fell = await conn.execute(
        select(func.count()).where(u.reason == "fallback", u.at >= now - WEEK, u.at <= now)
    )
    total = await conn.execute(
        select(func.count()).where(p.processed_at >= now - WEEK, p.processed_at <= now)
    )
    return int(fell.scalar_one()), int(total.scalar_one())


async def inbox_waiting(conn: AsyncConnection, scope: Scope, now: datetime) -> dict[str, Any]:
    """Open conversations, those waiting for staff, and the longest wait."""
    th = t.inbox_threads.c
    where = [th.status == "open"]
    if scope is not None:
        where.append(th.centre_id.in_(sorted(scope)))
    row = (
        await conn.execute(
            select(func.count(), func.count(th.waiting_since), func.min(th.waiting_since)).where(
                and_(*where)
            )
        )
    ).one()
    longest = (now - row[2]).total_seconds() if row[2] is not None else 0.0
    return {"open": int(row[0]), "waiting": int(row[1]), "longest_seconds": longest}


async def snapshot(
    conn: AsyncConnection, scope: Scope, now: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    """Everything the dashboard shows."""
    today = now.astimezone(tz).date()
    fell, total = await fallback_share(conn, now)
    return {
        "applications": await applications_week(conn, scope, now),
        "filling": await filling_up(conn, scope, today),
        "sessions": await sessions_today(conn, scope, today, tz),
        "reminders": await reminders_week(conn, now),
        "messages": await messages_per_day(conn, now, tz),
        "fallback": (fell, total),
        "inbox": await inbox_waiting(conn, scope, now),
    }
