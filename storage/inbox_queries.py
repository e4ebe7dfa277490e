"""What the panel reads and writes of the inbox, always within the reader's centres.

A thread routed to no centre (the user had none in focus) is the admins'. Every read takes the
reader's scope: another centre's thread is not found (404)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.checks import mask_user
from storage import tables as t
from storage.inbox_store import add_message

Scope = frozenset[str] | None
LIST_LIMIT = 200
TRANSCRIPT = 50  # the most recent lines of a thread shown


def _in_scope(scope: Scope) -> Any:
    th = t.inbox_threads.c
    return th.centre_id.in_(sorted(scope)) if scope is not None else True


async def open_threads(
    conn: AsyncConnection, scope: Scope, limit: int = LIST_LIMIT
) -> tuple[list[dict[str, Any]], int]:
    """Open threads, those waiting longest first, then the most recently active; and how many
    are open in all."""
    th, ce = t.inbox_threads.c, t.centers.c
    where = (th.status == "open") & _in_scope(scope)
    rows = await conn.execute(
        select(
            th.id, th.user_key, th.centre_id, th.context, th.opened_at, th.waiting_since,
            th.last_message_at, ce.name.label("centre_name"),
        )
        .select_from(t.inbox_threads.outerjoin(t.centers, ce.id == th.centre_id))
        .where(where)
        .order_by(th.waiting_since.is_(None), th.waiting_since, th.last_message_at.desc())
        .limit(limit)
    )  # fmt: skip
    total = (
        await conn.execute(select(func.count()).select_from(t.inbox_threads).where(where))
    ).scalar_one()
    return [_shown(dict(r)) for r in rows.mappings()], int(total)


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A thread as staff see it: the channel and a masked user key, never the full id."""
    row["channel"] = row["user_key"].partition(":")[0]
    row["who"] = mask_user(row.pop("user_key"))
    return row


async def thread(conn: AsyncConnection, scope: Scope, thread_id: int) -> dict[str, Any] | None:
    """One thread with its most recent lines (oldest first); None outside the reader's scope."""
    th, ce = t.inbox_threads.c, t.centers.c
    found = (
        (
            await conn.execute(
                select(t.inbox_threads, ce.name.label("centre_name"))
                .select_from(t.inbox_threads.outerjoin(t.centers, ce.id == th.centre_id))
                .where(th.id == thread_id, _in_scope(scope))
            )
        )
        .mappings()
        .first()
    )
    if found is None:
        return None
    m = t.inbox_messages.c
    lines = await conn.execute(
        select(m.at, m.sender, m.author, m.text)
        .where(m.thread_id == thread_id)
        .order_by(m.id.desc())
        .limit(TRANSCRIPT)
    )
    out = _shown(dict(found))
    out["lines"] = [dict(r) for r in reversed(lines.mappings().all())]
    return out


async def user_of(conn: AsyncConnection, scope: Scope, thread_id: int) -> tuple[str, str] | None:
    """The user key and status of a thread in the reader's scope (for answering, closing)."""
    th = t.inbox_threads.c
    found = (
        await conn.execute(
            select(th.user_key, th.status).where(th.id == thread_id, _in_scope(scope))
        )
    ).first()
    return (found.user_key, found.status) if found is not None else None


async def staff_line(
    conn: AsyncConnection, thread_id: int, now: datetime, author: str, text: str
) -> None:
    """Staff's answer in the thread: nobody waits any more."""
    await add_message(conn, thread_id, now, "staff", text, author)
    await conn.execute(
        update(t.inbox_threads)
        .where(t.inbox_threads.c.id == thread_id)
        .values(waiting_since=None, last_message_at=now)
    )


async def close(conn: AsyncConnection, thread_id: int, now: datetime, author: str) -> bool:
    """Closes an open thread; False when it was closed already."""
    th = t.inbox_threads.c
    done = await conn.execute(
        update(t.inbox_threads)
        .where(th.id == thread_id, th.status == "open")
        .values(status="closed", closed_at=now, closed_by=author[:254], waiting_since=None)
    )
    if not done.rowcount:
        return False
    await add_message(conn, thread_id, now, "note", "closed", author)
    return True
