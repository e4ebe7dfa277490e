"""A course with sessions at given times and trainees linked to chat accounts (tests, benches)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from core.catalog import Course, Session
from storage import tables as t
from storage.db import Database


def course_at(course_id: str, starts: Sequence[datetime], capacity: int = 100_000) -> Course:
    """A barista offering at Buca spanning the given session starts."""
    first, last = min(starts), max(starts)
    return Course(
        id=course_id,
        branch="barista",
        center="buca",
        capacity=capacity,
        starts_on=first.date(),
        ends_on=last.date() + timedelta(days=1),
        weekdays=("mon",),
        start_time=first.timetz().replace(tzinfo=None),
        end_time=(first + timedelta(hours=1)).timetz().replace(tzinfo=None),
    )


def sessions_at(course_id: str, starts: Sequence[datetime]) -> list[Session]:
    """One-hour sessions `<course>-1`, `<course>-2`, … at the given starts."""
    return [
        Session(
            id=f"{course_id}-{n}", course=course_id, starts_at=at, ends_at=at + timedelta(hours=1)
        )
        for n, at in enumerate(starts, start=1)
    ]


async def enrol(
    db: Database, course_id: str, users: Sequence[str], created_at: datetime | None = None
) -> None:
    """Desk enrolments of `users` in the course, their chat accounts already linked. Enrolled
    `created_at` (now by default): a welcome goes before the first session after that."""
    now = created_at or datetime.now(UTC)
    async with db.write() as conn:
        await conn.execute(
            insert(t.users),
            [{"key": u, "channel": u.partition(":")[0], "created_at": now} for u in users],
        )
        await conn.execute(
            insert(t.enrolments),
            [
                {"course_id": course_id, "user_key": u, "full_name": "Kursiyer Deneme",
                 "phone": f"+90532{i:07d}", "source": "desk", "created_at": now}
                for i, u in enumerate(users)
            ],
        )  # fmt: skip
