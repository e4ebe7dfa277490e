"""Catalog records to and from table rows, and chunked bulk writes (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import time
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.catalog import (
    Branch,
    Center,
    Course,
    CourseStatus,
    FaqTopic,
    Field,
    Session,
    SessionStatus,
)
from storage import tables

Row = dict[str, Any]
CHUNK = 2_000  # rows per executemany; keeps statements and memory small
ID_CHUNK = 500  # ids per IN (...) list

TABLES: dict[str, Table] = {
    "fields": tables.fields,
    "branches": tables.branches,
    "centers": tables.centers,
    "courses": tables.courses,
    "sessions": tables.sessions,
    "faq": tables.faq_topics,
}


def field_row(f: Field) -> Row:
    return {"id": f.id, "name": f.name, "name_en": f.name_en, "name_ar": f.name_ar}


def branch_row(b: Branch) -> Row:
    return {
        "id": b.id,
        "field_id": b.field,
        "name": b.name,
        "name_en": b.name_en,
        "name_ar": b.name_ar,
        "hours": b.hours,
        "min_age": b.min_age,
        "keywords": ";".join(b.keywords),
        "description": b.description,
    }


def center_row(c: Center) -> Row:
    return {
        "id": c.id,
        "name": c.name,
        "name_en": c.name_en,
        "name_ar": c.name_ar,
        "district": c.district,
        "address": c.address,
        "lat": c.lat,
        "lon": c.lon,
        "phone": c.phone,
        "hours": c.hours,
    }


def course_row(c: Course) -> Row:
    return {
        "id": c.id,
        "branch_id": c.branch,
        "center_id": c.center,
        "capacity": c.capacity,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "weekdays": ",".join(c.weekdays),
        "start_time": c.start_time,
        "end_time": c.end_time,
        "application_opens": c.application_opens,
        "application_closes": c.application_closes,
        "status": str(c.status),
        "notes": c.notes,
        "min_age": c.min_age,
        "max_age": c.max_age,
        "women_only": c.women_only,
    }


def session_row(s: Session) -> Row:
    return {
        "id": s.id,
        "course_id": s.course,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "status": str(s.status),
        "reason": s.reason,
        "holiday": s.holiday,
    }


def faq_row(f: FaqTopic) -> Row:
    return {
        "id": f.id,
        "keywords": ";".join(f.keywords),
        "answer": f.answer,
        "answer_en": f.answer_en,
        "answer_ar": f.answer_ar,
    }


ROW_OF: dict[str, Callable[[Any], Row]] = {
    "fields": field_row,
    "branches": branch_row,
    "centers": center_row,
    "courses": course_row,
    "sessions": session_row,
    "faq": faq_row,
}


def _clock(value: time) -> time:
    return value.replace(tzinfo=None, microsecond=0)


def to_field(r: Row) -> Field:
    return Field(id=r["id"], name=r["name"], name_en=r["name_en"], name_ar=r["name_ar"])


def to_branch(r: Row) -> Branch:
    return Branch(
        id=r["id"],
        field=r["field_id"],
        name=r["name"],
        hours=r["hours"],
        min_age=r["min_age"],
        keywords=tuple(k for k in r["keywords"].split(";") if k),
        description=r["description"],
        name_en=r["name_en"],
        name_ar=r["name_ar"],
    )


def to_center(r: Row) -> Center:
    return Center(
        id=r["id"],
        name=r["name"],
        district=r["district"],
        address=r["address"],
        lat=r["lat"],
        lon=r["lon"],
        phone=r["phone"],
        hours=r["hours"],
        name_en=r["name_en"],
        name_ar=r["name_ar"],
    )


def to_course(r: Row) -> Course:
    return Course(
        id=r["id"],
        branch=r["branch_id"],
        center=r["center_id"],
        capacity=r["capacity"],
        starts_on=r["starts_on"],
        ends_on=r["ends_on"],
        weekdays=tuple(d for d in r["weekdays"].split(",") if d),
        start_time=_clock(r["start_time"]),
        end_time=_clock(r["end_time"]),
        application_opens=r["application_opens"],
        application_closes=r["application_closes"],
        status=CourseStatus(r["status"]),
        notes=r["notes"],
        min_age=r["min_age"],
        max_age=r["max_age"],
        women_only=bool(r["women_only"]),
    )


def to_session(r: Row) -> Session:
    return Session(
        id=r["id"],
        course=r["course_id"],
        starts_at=r["starts_at"],
        ends_at=r["ends_at"],
        status=SessionStatus(r["status"]),
        reason=r["reason"],
        holiday=r["holiday"],
    )


def to_faq(r: Row) -> FaqTopic:
    return FaqTopic(
        id=r["id"],
        keywords=tuple(k for k in r["keywords"].split(";") if k),
        answer=r["answer"],
        answer_en=r["answer_en"],
        answer_ar=r["answer_ar"],
    )


MODEL_OF: dict[str, Callable[[Row], Any]] = {
    "fields": to_field,
    "branches": to_branch,
    "centers": to_center,
    "courses": to_course,
    "sessions": to_session,
    "faq": to_faq,
}


async def fetch_rows(conn: AsyncConnection, key: str) -> dict[str, Row]:
    """Every row of one catalog table, by id, normalised like the rows built from records."""
    table = TABLES[key]
    result = await conn.execute(select(table))
    rows = {}
    for found in result.mappings():
        row = dict(found)
        for name in ("start_time", "end_time"):
            if name in row:
                row[name] = _clock(row[name])
        rows[row["id"]] = row
    return rows


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


Progress = Callable[[int], None]


async def insert_rows(
    conn: AsyncConnection, table: Table, rows: Sequence[Row], step: Progress
) -> None:
    """Inserts rows with executemany, CHUNK at a time."""
    for chunk in _chunks(rows, CHUNK):
        await conn.execute(insert(table), list(chunk))
        step(len(chunk))


async def update_rows(
    conn: AsyncConnection, table: Table, rows: Sequence[Row], step: Progress
) -> None:
    """Updates rows by id with executemany, CHUNK at a time."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    stmt = (
        update(table)
        .where(table.c.id == bindparam("k_id", type_=table.c.id.type))
        .values({name: bindparam(f"v_{name}", type_=table.c[name].type) for name in names})
    )
    for chunk in _chunks(rows, CHUNK):
        params = [{"k_id": r["id"], **{f"v_{n}": r[n] for n in names}} for r in chunk]
        await conn.execute(stmt, params)
        step(len(chunk))


async def delete_rows(
    conn: AsyncConnection, table: Table, ids: Sequence[str], step: Progress
) -> None:
    """Deletes rows by id, ID_CHUNK ids per statement."""
    for chunk in _chunks(ids, ID_CHUNK):
        await conn.execute(delete(table).where(table.c.id.in_(list(chunk))))
        step(len(chunk))
