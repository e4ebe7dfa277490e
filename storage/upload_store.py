"""Uploaded files kept between the panel's preview and the staff member's confirmation.

A file is stored encrypted (trainee lists hold names, phones and national ids) in the
`panel_uploads` table, never on disk; it lives until confirmed or cancelled, and an hour at most.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.crypto import IdVault

KINDS = ("catalog", "trainees")
LIFETIME = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class StoredUpload:
    id: str
    staff_id: int
    kind: str  # catalog | trainees
    filename: str
    options: dict[str, Any]
    created_at: datetime
    token: str  # the encrypted file; IdVault.decrypt_bytes gives it back

    def expired(self, now: datetime) -> bool:
        return now - self.created_at > LIFETIME

    def data(self, vault: IdVault) -> bytes:
        return vault.decrypt_bytes(self.token)


async def drop_expired(conn: AsyncConnection, now: datetime) -> int:
    """Removes the uploads older than an hour (nobody confirmed them); how many."""
    done = await conn.execute(
        delete(t.panel_uploads).where(t.panel_uploads.c.created_at < now - LIFETIME)
    )
    return int(done.rowcount or 0)


async def keep_upload(
    conn: AsyncConnection,
    vault: IdVault,
    *,
    staff_id: int,
    kind: str,
    filename: str,
    data: bytes,
    options: dict[str, Any],
    now: datetime,
) -> str:
    """Stores an uploaded file, encrypted, until it is confirmed; its id (unguessable)."""
    if kind not in KINDS:
        raise ValueError(f"unknown upload kind {kind!r}")
    upload_id = secrets.token_hex(16)
    await conn.execute(
        insert(t.panel_uploads).values(
            id=upload_id,
            staff_id=staff_id,
            kind=kind,
            filename=filename[:200],
            options=json.dumps(options, sort_keys=True),
            data=vault.encrypt_bytes(data),
            created_at=now,
        )
    )
    return upload_id


async def find_upload(
    conn: AsyncConnection, upload_id: str, *, staff_id: int, kind: str | None = None
) -> StoredUpload | None:
    """The upload `upload_id` of this staff member (of this kind), or None."""
    u = t.panel_uploads
    query = select(u).where(u.c.id == upload_id[:32], u.c.staff_id == staff_id)
    if kind is not None:
        query = query.where(u.c.kind == kind)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return StoredUpload(
        id=row["id"],
        staff_id=row["staff_id"],
        kind=row["kind"],
        filename=row["filename"],
        options=json.loads(row["options"] or "{}"),
        created_at=row["created_at"],
        token=row["data"],
    )


async def take_upload(conn: AsyncConnection, upload_id: str, *, staff_id: int) -> bool:
    """Deletes this staff member's upload; False when it was not there (already used)."""
    u = t.panel_uploads
    done = await conn.execute(delete(u).where(u.c.id == upload_id[:32], u.c.staff_id == staff_id))
    return bool(done.rowcount)


async def course_labels(conn: AsyncConnection, course_ids: Sequence[str]) -> dict[str, str]:
    """Course id → "branch name · centre name", for a trainee list's preview."""
    if not course_ids:
        return {}
    c, b, m = t.courses, t.branches, t.centers
    query = (
        select(c.c.id, b.c.name, m.c.name.label("centre"))
        .join(b, b.c.id == c.c.branch_id)
        .join(m, m.c.id == c.c.center_id)
        .where(c.c.id.in_(sorted(set(course_ids))))
    )
    return {row.id: f"{row.name} · {row.centre}" for row in await conn.execute(query)}
