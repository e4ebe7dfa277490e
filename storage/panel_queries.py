"""What the staff panel reads, always within the reader's centres (the scope).

A scope is a set of centre ids, or None for every centre (an admin). Every query here takes it
and filters in SQL, so another centre's record is simply not found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from core.checks import search_key
from storage import tables as t
from storage.crypto import IdVault, mask_id
from storage.staff_repo import export_row

Scope = frozenset[str] | None
STATUSES = ("pending", "waitlisted", "accepted", "rejected", "cancelled")
_NUMBER = re.compile(r"^MF-?\d{4}-?\d{1,6}$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AppFilter:
    centre: str = ""
    course: str = ""
    status: str = ""
    since: date | None = None
    until: date | None = None
    q: str = ""

    def as_query(self) -> dict[str, str]:
        """The filter as URL query parameters (empty ones left out)."""
        out = {
            "centre": self.centre,
            "course": self.course,
            "status": self.status,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "q": self.q,
        }
        return {k: v for k, v in out.items() if v}


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """The condition on `courses` that keeps a reader within their centres."""
    if scope is None:
        return true()
    return t.courses.c.center_id.in_(sorted(scope))


def _local_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _where(f: AppFilter, scope: Scope, tz: ZoneInfo, vault: IdVault) -> list[ColumnElement[bool]]:
    a, c = t.applications, t.courses
    where: list[ColumnElement[bool]] = [in_scope(scope)]
    if f.centre:
        where.append(c.c.center_id == f.centre)
    if f.course:
        where.append(a.c.course_id == f.course)
    if f.status:
        where.append(a.c.status == f.status)
    if f.since:
        where.append(a.c.created_at >= _local_start(f.since, tz))
    if f.until:
        where.append(a.c.created_at < _local_start(f.until + timedelta(days=1), tz))
    q = f.q.strip()
    if q:
        digits = re.sub(r"\D", "", q)
        if _NUMBER.match(q.replace(" ", "")):
            year, serial = re.findall(r"\d+", q)[:2]
            where.append(a.c.number == f"MF-{year}-{int(serial):06d}")
        elif len(digits) == 11 and digits == q.replace(" ", ""):
            where.append(a.c.national_id_hash == vault.hash(digits))
        elif len(digits) >= 7 and len(digits) >= len(q.replace(" ", "")) - 2:
            where.append(a.c.phone.contains(digits[-10:], autoescape=True))
        else:
            where.append(
                or_(a.c.name_key.contains(search_key(q), autoescape=True), a.c.user_key == q)
            )
    return where


def _joined(*columns: Any) -> Select[Any]:
    a = t.applications
    return select(*columns).select_from(
        a.join(t.courses, t.courses.c.id == a.c.course_id)
        .join(t.branches, t.branches.c.id == a.c.branch_id)
        .join(t.centers, t.centers.c.id == t.courses.c.center_id)
    )


_LIST_COLUMNS = (
    t.applications.c.id,
    t.applications.c.number,
    t.applications.c.status,
    t.applications.c.full_name,
    t.applications.c.phone,
    t.applications.c.channel,
    t.applications.c.course_id,
    t.applications.c.created_at,
    t.branches.c.name.label("branch_name"),
    t.centers.c.name.label("centre_name"),
    t.courses.c.center_id,
)


async def list_applications(
    conn: AsyncConnection,
    scope: Scope,
    f: AppFilter,
    tz: ZoneInfo,
    vault: IdVault,
    *,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """One page of applications (newest first) and how many match in all.

    In two steps: the page's ids, from the applications alone (joined to their courses only
    when a centre decides), walking the primary key backwards; then the names for those 50.
    A deep page then costs an index walk, not a join of every application before it."""
    where = _where(f, scope, tz, vault)
    a = t.applications
    by_centre = scope is not None or bool(f.centre)
    source = a.join(t.courses, t.courses.c.id == a.c.course_id) if by_centre else a
    total_query = select(func.count()).select_from(source).where(*where)
    total = int((await conn.execute(total_query)).scalar_one())
    ids = [
        r[0]
        for r in await conn.execute(
            select(a.c.id)
            .select_from(source)
            .where(*where)
            .order_by(a.c.id.desc())
            .limit(per_page)
            .offset(max(page - 1, 0) * per_page)
        )
    ]
    if not ids:
        return [], total
    query = _joined(*_LIST_COLUMNS).where(a.c.id.in_(ids)).order_by(a.c.id.desc())
    rows = [dict(r) for r in (await conn.execute(query)).mappings()]
    return rows, total


async def application_numbers(conn: AsyncConnection, scope: Scope, numbers: list[str]) -> list[str]:
    """Those of `numbers` the reader may act on."""
    if not numbers:
        return []
    a = t.applications
    query = (
        select(a.c.number)
        .select_from(a.join(t.courses, t.courses.c.id == a.c.course_id))
        .where(a.c.number.in_(numbers), in_scope(scope))
    )
    return [r[0] for r in await conn.execute(query)]


async def application_detail(
    conn: AsyncConnection, scope: Scope, number: str, vault: IdVault, *, reveal: bool = False
) -> dict[str, Any] | None:
    """One application with its course, centre and branch; None when out of scope."""
    a = t.applications
    query = _joined(
        a,
        t.branches.c.name.label("branch_name"),
        t.centers.c.name.label("centre_name"),
        t.courses.c.center_id,
        t.courses.c.capacity,
        t.courses.c.starts_on,
        t.courses.c.status.label("course_status"),
    ).where(a.c.number == number, in_scope(scope))
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    national_id = vault.decrypt(out.pop("national_id_enc"))
    out.pop("national_id_hash", None)
    out["national_id"] = national_id if reveal else mask_id(national_id)
    return out


async def export_rows(
    conn: AsyncConnection, scope: Scope, f: AppFilter, tz: ZoneInfo, vault: IdVault
) -> list[dict[str, Any]]:
    """The filtered applications in the CLI export's shape (ids masked), oldest first."""
    a = t.applications
    query = _joined(a).where(*_where(f, scope, tz, vault)).order_by(a.c.id)
    return [export_row(r, vault, tz) for r in (await conn.execute(query)).mappings()]


async def centres_for(conn: AsyncConnection, scope: Scope) -> list[dict[str, Any]]:
    c = t.centers
    query = select(c.c.id, c.c.name, c.c.district).order_by(c.c.name)
    if scope is not None:
        query = query.where(c.c.id.in_(sorted(scope)))
    return [dict(r) for r in (await conn.execute(query)).mappings()]


async def centre_ids(conn: AsyncConnection) -> set[str]:
    return {r[0] for r in await conn.execute(select(t.centers.c.id))}


def status_counts_query(scope: Scope) -> Select[Any]:
    a = t.applications
    return (
        select(a.c.status, func.count())
        .select_from(a.join(t.courses, t.courses.c.id == a.c.course_id))
        .where(in_scope(scope))
        .group_by(a.c.status)
    )


async def status_counts(conn: AsyncConnection, scope: Scope) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in await conn.execute(status_counts_query(scope))}
