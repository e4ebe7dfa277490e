"""What staff read and decide: applications with details, callback requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.crypto import IdVault, mask_id


async def application_rows(
    conn: AsyncConnection,
    vault: IdVault,
    tz: ZoneInfo,
    *,
    reveal_ids: bool = False,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """Every application as a flat dict for listing and export; ids masked unless revealed."""
    query = select(t.applications).order_by(t.applications.c.id)
    if status:
        query = query.where(t.applications.c.status == status)
    rows = (await conn.execute(query)).mappings()
    return [export_row(row, vault, tz, reveal_ids=reveal_ids) for row in rows]


def export_row(
    row: RowMapping, vault: IdVault, tz: ZoneInfo, *, reveal_ids: bool = False
) -> dict[str, Any]:
    """One application row in the export's shape (the id masked unless revealed)."""
    national_id = vault.decrypt(row["national_id_enc"])
    return {
        "number": row["number"],
        "status": row["status"],
        "user": row["user_key"] or "",
        "channel": row["channel"],
        "branch": row["branch_id"],
        "course": row["course_id"],
        "full_name": row["full_name"],
        "national_id": national_id if reveal_ids else mask_id(national_id),
        "birth_date": row["birth_date"].isoformat(),
        "phone": row["phone"],
        "district": row["district"],
        "education": row["education"],
        "employment": row["employment"],
        "created_at": row["created_at"].astimezone(tz).isoformat(timespec="seconds"),
        "updated_at": row["updated_at"].astimezone(tz).isoformat(timespec="seconds"),
    }


async def callback_rows(conn: AsyncConnection, *, include_done: bool) -> list[dict[str, Any]]:
    query = select(t.callback_requests).order_by(t.callback_requests.c.id)
    if not include_done:
        query = query.where(t.callback_requests.c.done_at.is_(None))
    return [dict(r) for r in (await conn.execute(query)).mappings()]


async def close_callback(conn: AsyncConnection, request_id: int, now: datetime) -> bool:
    done = await conn.execute(
        update(t.callback_requests)
        .where(t.callback_requests.c.id == request_id, t.callback_requests.c.done_at.is_(None))
        .values(done_at=now)
    )
    return done.rowcount == 1
