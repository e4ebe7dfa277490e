"""The trainee side of the store: enrolments, linking by phone, attendance, reminder choice."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from core.records import EnrolmentRecord
from storage import tables as t


class TraineeStore:
    """Methods of SqlStore about trainees; needs `conn` (a transaction) and `now`."""

    conn: Any  # AsyncConnection or LazyWrite, set by SqlStore
    now: datetime

    async def enrolments_of(self, user: str) -> list[EnrolmentRecord]:
        rows = await self.conn.execute(
            select(t.enrolments.c.id, t.enrolments.c.course_id, t.enrolments.c.full_name)
            .where(t.enrolments.c.user_key == user)
            .order_by(t.enrolments.c.id)
        )
        return [EnrolmentRecord(id=r.id, course=r.course_id, full_name=r.full_name) for r in rows]

    async def link_by_phone(self, user: str, phone: str) -> int:
        await self.conn.execute(update(t.users).where(t.users.c.key == user).values(phone=phone))
        done = await self.conn.execute(
            update(t.enrolments)
            .where(t.enrolments.c.phone == phone, t.enrolments.c.user_key.is_(None))
            .values(user_key=user)
        )
        return int(done.rowcount)

    async def record_attendance(self, user: str, session: str, coming: bool) -> int | None:
        course = (
            await self.conn.execute(
                select(t.sessions.c.course_id).where(t.sessions.c.id == session)
            )
        ).scalar_one_or_none()
        if course is None:
            return None
        enrolment = (
            await self.conn.execute(
                select(t.enrolments.c.id).where(
                    t.enrolments.c.user_key == user, t.enrolments.c.course_id == course
                )
            )
        ).scalar_one_or_none()
        if enrolment is None:
            return None
        key = and_(t.attendance.c.session_id == session, t.attendance.c.enrolment_id == enrolment)
        answer = "yes" if coming else "no"
        done = await self.conn.execute(
            update(t.attendance).where(key).values(answer=answer, answered_at=self.now)
        )
        if done.rowcount == 0:
            await self.conn.execute(
                insert(t.attendance).values(
                    session_id=session,
                    enrolment_id=enrolment,
                    user_key=user,
                    answer=answer,
                    answered_at=self.now,
                )
            )
        sessions_of_course = select(t.sessions.c.id).where(t.sessions.c.course_id == course)
        return int(
            (
                await self.conn.execute(
                    select(func.count())
                    .select_from(t.attendance)
                    .where(
                        t.attendance.c.enrolment_id == enrolment,
                        t.attendance.c.answer == "no",
                        t.attendance.c.session_id.in_(sessions_of_course),
                    )
                )
            ).scalar_one()
        )

    async def reminder_pref(self, user: str) -> str:
        value = (
            await self.conn.execute(select(t.users.c.reminders).where(t.users.c.key == user))
        ).scalar_one_or_none()
        return str(value or "")

    async def set_reminder_pref(self, user: str, value: str) -> int:
        await self.conn.execute(
            update(t.users).where(t.users.c.key == user).values(reminders=value)
        )
        if not value:
            return 0  # every kind allowed: the planner adds whatever is missing
        # Reminders already queued but no longer wanted are dropped, in this transaction; a
        # kind turned back on is queued again by the next planning run (its key is free).
        wanted = set() if value == "off" else set(value.split(","))
        o = t.outbox
        queued = and_(o.c.user_key == user, o.c.kind == "reminder", o.c.status == "queued")
        rows = await self.conn.execute(select(o.c.id, o.c.payload).where(queued))
        unwanted = [r.id for r in rows if _reminder_kind(r.payload) not in wanted]
        if not unwanted:
            return 0
        done = await self.conn.execute(delete(o).where(queued, o.c.id.in_(unwanted)))
        return int(done.rowcount)


def _reminder_kind(payload: str) -> str:
    """The reminder kind ("eve1800", "m120") an outbox row was planned for; "" if unreadable."""
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    return str(data.get("rkind", "")) if isinstance(data, dict) else ""
