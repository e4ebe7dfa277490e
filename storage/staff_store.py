"""Staff accounts, their signed-in sessions, the audit trail and sign-in throttling."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t

ROLES = ("admin", "centre")
SIGNIN_FAILED = "signin_failed"
SIGNED_IN = "signin"


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    email: str
    name: str
    role: str  # admin | centre
    centres: tuple[str, ...]
    password_hash: str
    must_change: bool
    disabled: bool
    created_at: datetime
    last_sign_in_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def scope(self) -> frozenset[str] | None:
        """The centres this person may see; None means every centre (an admin)."""
        return None if self.is_admin else frozenset(self.centres)


def normal_email(email: str) -> str:
    return email.strip().lower()


def _member(row: RowMapping) -> StaffMember:
    return StaffMember(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=row["role"],
        centres=tuple(c for c in row["centres"].split(",") if c),
        password_hash=row["password_hash"],
        must_change=bool(row["must_change"]),
        disabled=bool(row["disabled"]),
        created_at=row["created_at"],
        last_sign_in_at=row["last_sign_in_at"],
    )


async def staff_by_email(conn: AsyncConnection, email: str) -> StaffMember | None:
    row = (
        (await conn.execute(select(t.staff).where(t.staff.c.email == normal_email(email))))
        .mappings()
        .first()
    )
    return _member(row) if row else None


async def staff_by_id(conn: AsyncConnection, staff_id: int) -> StaffMember | None:
    row = (await conn.execute(select(t.staff).where(t.staff.c.id == staff_id))).mappings().first()
    return _member(row) if row else None


async def all_staff(conn: AsyncConnection) -> list[StaffMember]:
    rows = await conn.execute(select(t.staff).order_by(t.staff.c.email))
    return [_member(r) for r in rows.mappings()]


async def add_staff(
    conn: AsyncConnection,
    *,
    email: str,
    name: str,
    role: str,
    centres: tuple[str, ...],
    password_hash: str,
    must_change: bool,
    now: datetime,
) -> int:
    result = await conn.execute(
        insert(t.staff).values(
            email=normal_email(email),
            name=name.strip(),
            role=role,
            centres=",".join(centres),
            password_hash=password_hash,
            must_change=must_change,
            disabled=False,
            created_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def set_password(
    conn: AsyncConnection, staff_id: int, password_hash: str, *, must_change: bool
) -> None:
    await conn.execute(
        update(t.staff)
        .where(t.staff.c.id == staff_id)
        .values(password_hash=password_hash, must_change=must_change)
    )


async def set_disabled(conn: AsyncConnection, staff_id: int, disabled: bool) -> None:
    await conn.execute(update(t.staff).where(t.staff.c.id == staff_id).values(disabled=disabled))
    if disabled:
        await end_sessions(conn, staff_id)


async def signed_in(conn: AsyncConnection, staff_id: int, now: datetime) -> None:
    await conn.execute(update(t.staff).where(t.staff.c.id == staff_id).values(last_sign_in_at=now))


# --- Sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffSession:
    id: str  # the hash of the cookie's token
    staff_id: int
    csrf: str
    created_at: datetime
    last_seen_at: datetime


async def open_session(
    conn: AsyncConnection, session_id: str, staff_id: int, csrf: str, address: str, now: datetime
) -> None:
    await conn.execute(
        insert(t.staff_sessions).values(
            id=session_id,
            staff_id=staff_id,
            csrf=csrf,
            address=address[:64],
            created_at=now,
            last_seen_at=now,
        )
    )


async def find_session(conn: AsyncConnection, session_id: str) -> StaffSession | None:
    row = (
        (await conn.execute(select(t.staff_sessions).where(t.staff_sessions.c.id == session_id)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return StaffSession(
        id=row["id"],
        staff_id=row["staff_id"],
        csrf=row["csrf"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
    )


async def touch_session(conn: AsyncConnection, session_id: str, now: datetime) -> None:
    await conn.execute(
        update(t.staff_sessions).where(t.staff_sessions.c.id == session_id).values(last_seen_at=now)
    )


async def close_session(conn: AsyncConnection, session_id: str) -> None:
    await conn.execute(delete(t.staff_sessions).where(t.staff_sessions.c.id == session_id))


async def end_sessions(conn: AsyncConnection, staff_id: int, *, keep: str | None = None) -> None:
    """Signs a person out everywhere (but the session `keep`)."""
    query = delete(t.staff_sessions).where(t.staff_sessions.c.staff_id == staff_id)
    if keep is not None:
        query = query.where(t.staff_sessions.c.id != keep)
    await conn.execute(query)


async def drop_idle_sessions(conn: AsyncConnection, idle_since: datetime) -> int:
    done = await conn.execute(
        delete(t.staff_sessions).where(t.staff_sessions.c.last_seen_at < idle_since)
    )
    return int(done.rowcount or 0)


# --- Audit ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    address: str


async def audit(
    conn: AsyncConnection,
    *,
    actor: str,
    action: str,
    now: datetime,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
    address: str = "",
) -> None:
    """Writes one line of the audit trail, in the same transaction as the action it records."""
    await conn.execute(
        insert(t.audit).values(
            at=now,
            actor=actor[:254],
            action=action,
            target=target[:200],
            detail=json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True),
            address=address[:64],
        )
    )


def _audit_row(row: RowMapping) -> AuditRow:
    return AuditRow(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        target=row["target"],
        detail=json.loads(row["detail"] or "{}"),
        address=row["address"],
    )


async def audit_rows(
    conn: AsyncConnection,
    *,
    target: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    before_id: int | None = None,
    limit: int | None = None,
) -> list[AuditRow]:
    """The trail, newest first; `before_id` pages backwards."""
    query = select(t.audit).order_by(t.audit.c.id.desc())
    if target is not None:
        query = query.where(t.audit.c.target == target)
    if actor:
        query = query.where(t.audit.c.actor == actor)
    if action:
        query = query.where(t.audit.c.action == action)
    if before_id is not None:
        query = query.where(t.audit.c.id < before_id)
    if limit is not None:
        query = query.limit(limit)
    return [_audit_row(r) for r in (await conn.execute(query)).mappings()]


async def recent_failures(
    conn: AsyncConnection, *, email: str, address: str, since: datetime
) -> tuple[int, int]:
    """Failed sign-ins since `since`: (for this account, from this address).

    An account's failures before its last good sign-in no longer count against it.
    """

    async def count(*where: Any) -> int:
        query = select(func.count()).select_from(t.audit).where(*where)
        return int((await conn.execute(query)).scalar_one())

    email = normal_email(email)
    last_good = (
        await conn.execute(
            select(func.max(t.audit.c.at)).where(
                t.audit.c.action == SIGNED_IN, t.audit.c.target == email, t.audit.c.at >= since
            )
        )
    ).scalar_one_or_none()
    from_ = max(since, last_good) if last_good else since
    failed = t.audit.c.action == SIGNIN_FAILED
    by_account = await count(failed, t.audit.c.at >= from_, t.audit.c.target == email)
    by_address = (
        await count(failed, t.audit.c.at >= since, t.audit.c.address == address[:64])
        if address
        else 0
    )
    return by_account, by_address
