"""What the panel's course pages read, always within the reader's centres (the scope).

Courses with their seats and applicants, one course's sessions with the trainees' answers to
the reminders, and one session's trainees with theirs. Counts are grouped per course for the
courses of one page only, so a long catalog costs no more than a short one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.catalog import CourseStatus
from storage import tables as t
from storage.catalog_columns import fold
from storage.panel_queries import Scope, in_scope
from storage.repos import SEAT_HOLDING

COURSE_STATUSES = tuple(s.value for s in CourseStatus)
ANSWERS = ("yes", "no")


@dataclass(frozen=True, slots=True)
class CourseFilter:
    centre: str = ""
    status: str = ""
    q: str = ""  # part of the branch's name (Turkish letters or not) or of the course id
    since: date | None = None  # courses starting on or after

    def as_query(self) -> dict[str, str]:
        """The filter as URL query parameters (empty ones left out)."""
        out = {
            "centre": self.centre,
            "status": self.status,
            "q": self.q,
            "since": self.since.isoformat() if self.since else "",
        }
        return {k: v for k, v in out.items() if v}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _branches_named(conn: AsyncConnection, text: str) -> list[str]:
    """Ids of branches whose name holds `text`, folded the Turkish way ("ascilik" ~ "Aşçılık")."""
    wanted = fold(text)
    if not wanted:
        return []
    rows = await conn.execute(select(t.branches.c.id, t.branches.c.name))
    return [r.id for r in rows if wanted in fold(r.name)]


async def _where(conn: AsyncConnection, scope: Scope, f: CourseFilter) -> list[ColumnElement[bool]]:
    c = t.courses
    where: list[ColumnElement[bool]] = [in_scope(scope)]
    if f.centre:
        where.append(c.c.center_id == f.centre)
    if f.status:
        where.append(c.c.status == f.status)
    if f.since:
        where.append(c.c.starts_on >= f.since)
    q = f.q.strip()
    if q:
        by_id = c.c.id.ilike(f"%{_escape(q)}%", escape="\\")
        named = await _branches_named(conn, q)
        where.append(or_(by_id, c.c.branch_id.in_(named)) if named else by_id)
    return where


_COURSE_COLUMNS = (
    t.courses.c.id,
    t.courses.c.branch_id,
    t.courses.c.center_id,
    t.courses.c.capacity,
    t.courses.c.starts_on,
    t.courses.c.ends_on,
    t.courses.c.weekdays,
    t.courses.c.start_time,
    t.courses.c.end_time,
    t.courses.c.status,
    t.branches.c.name.label("branch_name"),
    t.centers.c.name.label("centre_name"),
)


def _courses_joined(*columns: Any) -> Any:
    c = t.courses
    return select(*columns).select_from(
        c.join(t.branches, t.branches.c.id == c.c.branch_id).join(
            t.centers, t.centers.c.id == c.c.center_id
        )
    )


def _count_where(condition: ColumnElement[bool]) -> Any:
    return func.count(case((condition, 1)))


async def course_counts(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per course: seats taken (the chat's rule: pending and accepted applications plus desk
    enrolments, as storage.repos counts them), pending, waitlisted and accepted applications,
    trainees (every enrolment) and trainees with a chat account (those a change is told to)."""
    out = {
        i: dict.fromkeys(
            ("seats_taken", "pending", "waitlisted", "accepted", "trainees", "linked"), 0
        )
        for i in ids
    }
    if not out:
        return out
    a, e = t.applications, t.enrolments
    apps = (
        select(
            a.c.course_id,
            _count_where(a.c.status.in_(SEAT_HOLDING)).label("held"),
            _count_where(a.c.status == "pending").label("pending"),
            _count_where(a.c.status == "waitlisted").label("waitlisted"),
            _count_where(a.c.status == "accepted").label("accepted"),
        )
        .where(a.c.course_id.in_(list(out)))
        .group_by(a.c.course_id)
        .subquery("apps")
    )
    enrolled = (
        select(
            e.c.course_id,
            func.count().label("trainees"),
            _count_where(e.c.source == "desk").label("desk"),
            func.count(e.c.user_key).label("linked"),
        )
        .where(e.c.course_id.in_(list(out)))
        .group_by(e.c.course_id)
        .subquery("enrolled")
    )
    c = t.courses
    zero = 0
    query = (
        select(
            c.c.id,
            func.coalesce(apps.c.held, zero).label("held"),
            func.coalesce(apps.c.pending, zero).label("pending"),
            func.coalesce(apps.c.waitlisted, zero).label("waitlisted"),
            func.coalesce(apps.c.accepted, zero).label("accepted"),
            func.coalesce(enrolled.c.trainees, zero).label("trainees"),
            func.coalesce(enrolled.c.desk, zero).label("desk"),
            func.coalesce(enrolled.c.linked, zero).label("linked"),
        )
        .select_from(
            c.outerjoin(apps, apps.c.course_id == c.c.id).outerjoin(
                enrolled, enrolled.c.course_id == c.c.id
            )
        )
        .where(c.c.id.in_(list(out)))
    )
    for r in await conn.execute(query):
        out[r.id] = {
            "seats_taken": int(r.held) + int(r.desk),
            "pending": int(r.pending),
            "waitlisted": int(r.waitlisted),
            "accepted": int(r.accepted),
            "trainees": int(r.trainees),
            "linked": int(r.linked),
        }
    return out


async def list_courses(
    conn: AsyncConnection,
    scope: Scope,
    f: CourseFilter,
    *,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """One page of courses (earliest start first) with their counts, and how many match."""
    where = await _where(conn, scope, f)
    c = t.courses
    total = int(
        (await conn.execute(select(func.count()).select_from(c).where(*where))).scalar_one()
    )
    # The page's ids first (sorting narrow rows), then their branch and centre names.
    chosen = (
        select(c.c.id, c.c.starts_on)
        .where(*where)
        .order_by(c.c.starts_on, c.c.id)
        .limit(per_page)
        .offset(max(page - 1, 0) * per_page)
        .subquery("chosen")
    )
    query = (
        select(*_COURSE_COLUMNS)
        .select_from(
            chosen.join(c, c.c.id == chosen.c.id)
            .join(t.branches, t.branches.c.id == c.c.branch_id)
            .join(t.centers, t.centers.c.id == c.c.center_id)
        )
        .order_by(chosen.c.starts_on, chosen.c.id)
    )
    rows = [dict(r) for r in (await conn.execute(query)).mappings()]
    counts = await course_counts(conn, [r["id"] for r in rows])
    for row in rows:
        row.update(counts[row["id"]])
    return rows, total


async def course_detail(
    conn: AsyncConnection, scope: Scope, course_id: str
) -> dict[str, Any] | None:
    """One course with its branch, centre and counts; None when out of scope or unknown."""
    c = t.courses
    query = _courses_joined(
        c,
        t.branches.c.name.label("branch_name"),
        t.centers.c.name.label("centre_name"),
        t.centers.c.district.label("centre_district"),
    ).where(c.c.id == course_id, in_scope(scope))
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    out.update((await course_counts(conn, [course_id]))[course_id])
    return out


async def course_sessions(conn: AsyncConnection, course_id: str) -> list[dict[str, Any]]:
    """The course's sessions in time order, each with how many of its trainees answered
    "geleceğim" (yes), "gelemeyeceğim" (no) or nothing yet (none)."""
    s, at, e = t.sessions, t.attendance, t.enrolments
    sessions = [
        dict(r)
        for r in (
            await conn.execute(
                select(s).where(s.c.course_id == course_id).order_by(s.c.starts_at, s.c.id)
            )
        ).mappings()
    ]
    trainees = int(
        (await conn.execute(select(func.count()).where(e.c.course_id == course_id))).scalar_one()
    )
    answers = await conn.execute(
        select(at.c.session_id, at.c.answer, func.count())
        .select_from(
            at.join(s, (s.c.id == at.c.session_id) & (s.c.course_id == course_id)).join(
                e, (e.c.id == at.c.enrolment_id) & (e.c.course_id == course_id)
            )
        )
        .group_by(at.c.session_id, at.c.answer)
    )
    counts = {(r[0], r[1]): int(r[2]) for r in answers}
    for row in sessions:
        row["yes"] = counts.get((row["id"], "yes"), 0)
        row["no"] = counts.get((row["id"], "no"), 0)
        row["none"] = max(trainees - row["yes"] - row["no"], 0)
    return sessions


async def session_in_scope(
    conn: AsyncConnection, scope: Scope, course_id: str, session_id: str, *, lock: bool = False
) -> Row[Any] | None:
    """The session when it belongs to `course_id` and that course to the reader's centres.
    With `lock` the row stays locked until the transaction ends (PostgreSQL; SQLite's write
    transaction already excludes every other writer)."""
    s = t.sessions
    query = (
        select(s)
        .select_from(s.join(t.courses, t.courses.c.id == s.c.course_id))
        .where(s.c.id == session_id, s.c.course_id == course_id, in_scope(scope))
    )
    if lock:
        query = query.with_for_update(of=s)
    return (await conn.execute(query)).first()


async def session_trainees(
    conn: AsyncConnection, course_id: str, session_id: str
) -> list[dict[str, Any]]:
    """The course's trainees with their answer for the session: "yes", "no" or None."""
    e, at = t.enrolments, t.attendance
    query = (
        select(
            e.c.id,
            e.c.full_name,
            e.c.phone,
            e.c.source,
            (e.c.user_key.is_not(None)).label("linked"),
            at.c.answer,
            at.c.answered_at,
        )
        .select_from(
            e.outerjoin(at, (at.c.enrolment_id == e.c.id) & (at.c.session_id == session_id))
        )
        .where(e.c.course_id == course_id)
        .order_by(e.c.full_name, e.c.id)
    )
    return [dict(r) for r in (await conn.execute(query)).mappings()]
