"""Staff changes to a class session: cancel or move it, tell each trainee once, re-plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import holidays
from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.checks import clean_text
from storage import outbox_repo
from storage import tables as t


@dataclass(frozen=True, slots=True)
class Change:
    session: str
    course: str
    told: int  # trainees a notice was queued for
    dropped: int  # reminders removed (re-planned by the scheduler)
    holiday: str = ""  # the new date's public holiday, if any


class SessionChangeError(Exception):
    """The session does not exist or cannot be changed so; the message says why."""


async def bump_catalog_version(conn: AsyncConnection) -> None:
    """Tells running bots that the catalog changed and must be reloaded."""
    current = (
        await conn.execute(select(t.meta.c.value).where(t.meta.c.key == "catalog_version"))
    ).scalar_one_or_none()
    if current is None:
        await conn.execute(t.meta.insert().values(key="catalog_version", value="1"))
    else:
        await conn.execute(
            update(t.meta)
            .where(t.meta.c.key == "catalog_version")
            .values(value=str(int(current) + 1))
        )


async def catalog_version(conn: AsyncConnection) -> str:
    found = await conn.execute(select(t.meta.c.value).where(t.meta.c.key == "catalog_version"))
    return found.scalar_one_or_none() or "0"


async def _session(conn: AsyncConnection, session_id: str) -> Row[Any]:
    row = (await conn.execute(select(t.sessions).where(t.sessions.c.id == session_id))).first()
    if row is None:
        raise SessionChangeError(f"{session_id}: böyle bir oturum yok")
    return row


async def cancel_session(
    conn: AsyncConnection, session_id: str, reason: str, now: datetime
) -> Change:
    """Cancels a session; its trainees are told once and its reminders dropped."""
    reason = " ".join(clean_text(reason).split())
    row = await _session(conn, session_id)
    if row.status == "cancelled":
        raise SessionChangeError(f"{session_id}: bu oturum zaten iptal edilmiş")
    if row.starts_at <= now:
        raise SessionChangeError(f"{session_id}: geçmiş bir oturum iptal edilemez")
    await conn.execute(
        update(t.sessions)
        .where(t.sessions.c.id == session_id)
        .values(status="cancelled", reason=reason)
    )
    dropped = await outbox_repo.drop_session_reminders(conn, session_id)
    targets = await outbox_repo.linked_trainees(conn, row.course_id)
    told = await outbox_repo.queue_rows(
        conn, now, "session_cancelled", {"session": session_id, "reason": reason}, targets,
        key_prefix=f"cancel:{session_id}", session_id=session_id,
    )  # fmt: skip
    await bump_catalog_version(conn)
    return Change(session_id, row.course_id, told, dropped)


async def move_session(
    conn: AsyncConnection, session_id: str, new_start: datetime, now: datetime
) -> Change:
    """Moves a session (keeping its length); trainees are told once, reminders re-planned."""
    row = await _session(conn, session_id)
    if row.status == "cancelled":
        raise SessionChangeError(f"{session_id}: iptal edilmiş bir oturum taşınamaz")
    if new_start <= now:
        raise SessionChangeError("yeni zaman geçmişte olamaz")
    if new_start == row.starts_at:
        raise SessionChangeError(f"{session_id}: ders zaten bu zamanda; başka bir zaman seçin")
    new_end = new_start + (row.ends_at - row.starts_at)
    local_day = new_start.date()
    holiday = holidays.country_holidays("TR", language="tr", years=local_day.year).get(local_day)
    await conn.execute(
        update(t.sessions)
        .where(t.sessions.c.id == session_id)
        .values(starts_at=new_start, ends_at=new_end, holiday=holiday or "")
    )
    dropped = await outbox_repo.drop_session_reminders(conn, session_id)
    targets = await outbox_repo.linked_trainees(conn, row.course_id)
    payload = {"session": session_id, "old": row.starts_at.isoformat()}
    told = await outbox_repo.queue_rows(
        conn, now, "session_moved", payload, targets,
        # Each real move is news (back to an earlier time included); a repeated command is not,
        # since moving to the time it already has is refused above.
        key_prefix=f"move:{session_id}:{row.starts_at.isoformat()}>{new_start.isoformat()}:"
                   f"{now.isoformat()}",
        session_id=session_id,
    )  # fmt: skip
    await bump_catalog_version(conn)
    return Change(session_id, row.course_id, told, dropped, holiday or "")
