"""WhatsApp bookkeeping: inbound messages kept until handled, our sent messages and their status.

The tables are `wa_inbound` and `wa_sent` in `storage/tables.py` (migration 0003). Writes
are small and batched by the caller; every insert that may meet a redelivery uses
INSERT ... ON CONFLICT, written for SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    String,
    Table,
    bindparam,
    case,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from core.messages import Button
from storage import wa_pages
from storage.repos import RECORD_ANSWERED
from storage.tables import processed_messages, users, wa_inbound, wa_sent
from storage.types import UTCDateTime

# A later status never moves a message back: "read" stays read when a late "delivered" comes.
STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
HANDLED_PAYLOAD = "{}"
REJECTED_PREFIX = "rejected:"  # wamid of a rejected delivery: this + the body's sha256
NOBODY = "-"  # user_key of a rejected delivery: it is nobody's message


@dataclass(frozen=True, slots=True)
class InboundRow:
    wamid: str
    user_key: str
    payload: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    wamid: str
    user_key: str
    status: str
    error_code: int | None = None
    error_title: str = ""


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one webhook POST carried: new messages to store and statuses to apply."""

    messages: list[InboundRow]
    statuses: list[StatusUpdate]


@dataclass(frozen=True, slots=True)
class Rejected:
    """A signed delivery that could not be read (not UTF-8 or JSON, too deep, wrong shape):
    kept as a fingerprint, never its content, which may hold someone's messages."""

    sha256: str
    size: int
    reason: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Finished:
    """A handled inbound message: when its user wrote it, and what was sent for it."""

    wamid: str
    user_key: str
    wrote_at: datetime
    sent: tuple[tuple[str, str, str], ...] = ()
    # Several instances: the user's claim is let go in the same transaction, if this instance
    # has taken in this many of their messages (`storage.wa_claims.release`).
    release: int | None = None
    # The buttons of long lists it showed, by token (`storage.wa_pages`): kept in the same
    # transaction, so "more" finds them on whichever instance handles it.
    pages: tuple[tuple[str, tuple[Button, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class PushTarget:
    """What the push rules need to know about a user."""

    last_inbound_at: datetime | None
    pushes_off: bool
    unreachable: bool


def _insert(conn: AsyncConnection, table: Table) -> Any:
    """A dialect-specific INSERT that offers on_conflict_do_nothing / do_update."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _rank(column: ColumnElement[Any]) -> ColumnElement[int]:
    return case(STATUS_RANK, value=column, else_=0)


async def store_inbound(conn: AsyncConnection, rows: Sequence[InboundRow]) -> set[str]:
    """Stores inbound messages not seen before; returns the wamids that were new."""
    first = {r.wamid: r for r in reversed(rows)}  # a wamid twice in one batch: keep the first
    # In one order everywhere: two instances storing the same crossed duplicates never wait
    # for each other's rows in opposite orders.
    first = dict(sorted(first.items()))
    if not first:
        return set()
    stmt = (
        _insert(conn, wa_inbound)
        .on_conflict_do_nothing(index_elements=["wamid"])
        .returning(wa_inbound.c.wamid)
    )
    params = [
        {
            "wamid": r.wamid,
            "user_key": r.user_key,
            "payload": r.payload,
            "received_at": r.received_at,
            "processed_at": None,
        }
        for r in first.values()
    ]
    result = await conn.execute(stmt, params)
    return set(result.scalars().all())


async def store_rejected(conn: AsyncConnection, rejected: Rejected) -> bool:
    """Records a rejected delivery as a handled `wa_inbound` row (pruned like the others);
    False when the same bytes were rejected before."""
    payload = json.dumps(
        {"rejected": rejected.reason, "sha256": rejected.sha256, "size": rejected.size}
    )
    stmt = (
        _insert(conn, wa_inbound)
        .values(
            wamid=REJECTED_PREFIX + rejected.sha256,
            user_key=NOBODY,
            payload=payload,
            received_at=rejected.received_at,
            processed_at=rejected.received_at,
        )
        .on_conflict_do_nothing(index_elements=["wamid"])
        .returning(wa_inbound.c.wamid)
    )
    return (await conn.execute(stmt)).first() is not None


async def unprocessed(conn: AsyncConnection, limit: int = 10_000) -> list[InboundRow]:
    """Inbound messages stored but not handled yet (a crash between the 200 and the answer)."""
    query = (
        select(wa_inbound)
        .where(wa_inbound.c.processed_at.is_(None))
        .order_by(wa_inbound.c.received_at, wa_inbound.c.wamid)
        .limit(limit)
    )
    return [
        InboundRow(r.wamid, r.user_key, r.payload, r.received_at)
        for r in (await conn.execute(query)).all()
    ]


async def unprocessed_of(conn: AsyncConnection, user_keys: Sequence[str]) -> list[InboundRow]:
    """These users' stored messages not handled yet, each user's oldest first."""
    query = (
        select(wa_inbound)
        .where(wa_inbound.c.user_key.in_(user_keys), wa_inbound.c.processed_at.is_(None))
        .order_by(wa_inbound.c.user_key, wa_inbound.c.received_at, wa_inbound.c.wamid)
    )
    return [
        InboundRow(r.wamid, r.user_key, r.payload, r.received_at)
        for r in (await conn.execute(query)).all()
    ]


_RECORDED = select(processed_messages.c.replies).where(
    processed_messages.c.user_key == bindparam("user_key"),
    processed_messages.c.message_id == bindparam("message_id"),
)


async def answer_once(
    conn: AsyncConnection, user_key: str, wamid: str, replies: str, now: datetime
) -> str | None:
    """Records that `wamid` was answered with `replies` (sealed); None when recorded now, else
    what was recorded first (a redelivery: that is sent again, nothing done twice)."""
    params = {"user_key": user_key, "message_id": wamid, "processed_at": now, "replies": replies}
    if (await conn.execute(RECORD_ANSWERED, params)).rowcount:
        return None
    params = {"user_key": user_key, "message_id": wamid}
    recorded = (await conn.execute(_RECORDED, params)).scalar()
    return recorded if recorded is not None else ""


_CLEAR_REPLIES = (
    update(processed_messages)
    .where(
        processed_messages.c.user_key == bindparam("b_user"),
        processed_messages.c.message_id == bindparam("b_id"),
        processed_messages.c.replies.is_not(None),
    )
    .values(replies=None)
)


async def clear_replies(conn: AsyncConnection, answered: Iterable[tuple[str, str]]) -> None:
    """Forgets the kept answers of messages now handled: (user_key, wamid)."""
    params = [{"b_user": u, "b_id": w} for u, w in sorted(set(answered))]
    if params:
        await conn.execute(_CLEAR_REPLIES, params)


async def mark_processed(conn: AsyncConnection, wamids: Iterable[str], now: datetime) -> None:
    """Marks messages handled and forgets their content; the wamid stays for dedupe."""
    ids = list(wamids)
    if ids:
        await conn.execute(
            update(wa_inbound)
            .where(wa_inbound.c.wamid.in_(ids))
            .values(processed_at=now, payload=HANDLED_PAYLOAD)
        )


async def record_sent(
    conn: AsyncConnection, sent: Sequence[tuple[str, str, str]], now: datetime
) -> None:
    """Records our sent messages (wamid, user_key, kind); a status that came first is kept."""
    unique = {w: (w, u, k) for w, u, k in sent}
    if not unique:
        return
    stmt = _insert(conn, wa_sent)
    stmt = stmt.on_conflict_do_update(
        index_elements=["wamid"],
        set_={"kind": stmt.excluded.kind, "user_key": stmt.excluded.user_key},
    )
    await conn.execute(
        stmt,
        [
            {"wamid": w, "user_key": u, "kind": k, "status": "sent", "updated_at": now}
            for w, u, k in unique.values()
        ],
    )


async def apply_statuses(
    conn: AsyncConnection, updates: Sequence[StatusUpdate], now: datetime
) -> None:
    """Applies status callbacks to our sent messages; a status never moves backwards.

    Only messages we recorded are updated: a callback for anything else (a message sent
    before an erasure, or one racing its own record) leaves no row carrying a user key.
    """
    latest: dict[str, StatusUpdate] = {}
    for u in updates:
        seen = latest.get(u.wamid)
        if u.status in STATUS_RANK and (
            seen is None or STATUS_RANK[u.status] > STATUS_RANK[seen.status]
        ):
            latest[u.wamid] = u
    if not latest:
        return
    stmt = (
        update(wa_sent)
        .where(
            wa_sent.c.wamid == bindparam("b_wamid"), _rank(wa_sent.c.status) < bindparam("b_rank")
        )
        .values(
            status=bindparam("b_status"),
            error_code=bindparam("b_code"),
            error_title=bindparam("b_title"),
            updated_at=now,
        )
    )
    await conn.execute(
        stmt,
        [
            {
                "b_wamid": u.wamid,
                "b_rank": STATUS_RANK[u.status],
                "b_status": u.status,
                "b_code": u.error_code,
                "b_title": u.error_title[:300],
            }
            for u in latest.values()
        ],
    )


async def forget_erased(conn: AsyncConnection, user_keys: Iterable[str]) -> list[str]:
    """Deletes our rows for users that no longer exist ("verilerimi sil" just ran); returns
    those users."""
    keys = set(user_keys)
    if not keys:
        return []
    present = set((await conn.execute(select(users.c.key).where(users.c.key.in_(keys)))).scalars())
    gone = sorted(keys - present)
    if gone:
        await conn.execute(delete(wa_inbound).where(wa_inbound.c.user_key.in_(gone)))
        await conn.execute(delete(wa_sent).where(wa_sent.c.user_key.in_(gone)))
        await wa_pages.forget(conn, gone)
    return gone


# PostgreSQL: the finishing statements of a batch (`record_sent`, `mark_processed`,
# `clear_replies`, `touch_inbound`, `forget_erased`) and the claims' release (the DELETE of
# `storage.wa_claims.release`) in one statement: one trip instead of six to eight. It returns
# the users that no longer exist ("verilerimi sil" ran) and those let go. Sub-statements of one
# statement see the same snapshot and must not change a row twice, so the rows of users that
# no longer exist are deleted and not first written or marked handled (what `forget_erased`
# leaves after the others is the same: none). Arrays come sorted: rows are taken in one order.
_FINISH = text(
    """
    WITH gone AS (
        SELECT u FROM unnest(CAST(:users AS text[])) AS f(u)
        WHERE NOT EXISTS (SELECT FROM users WHERE users.key = f.u)
    ), sent AS (
        INSERT INTO wa_sent AS w (wamid, user_key, kind, status, updated_at)
        SELECT w, u, k, 'sent', :now FROM unnest(CAST(:sent_wamids AS text[]),
            CAST(:sent_users AS text[]), CAST(:sent_kinds AS text[])) AS s(w, u, k)
        WHERE u NOT IN (SELECT u FROM gone) ORDER BY w
        ON CONFLICT (wamid) DO UPDATE SET kind = excluded.kind, user_key = excluded.user_key
    ), handled AS (
        UPDATE wa_inbound SET processed_at = :now, payload = :handled
        WHERE wamid = ANY(CAST(:wamids AS text[])) AND user_key NOT IN (SELECT u FROM gone)
    ), cleared AS (
        UPDATE processed_messages AS p SET replies = NULL
        FROM unnest(CAST(:cleared_users AS text[]), CAST(:cleared_ids AS text[])) AS c(u, m)
        WHERE p.user_key = c.u AND p.message_id = c.m AND p.replies IS NOT NULL
    ), touched AS (
        UPDATE users SET last_inbound_at = t.at, unreachable = false
        FROM unnest(CAST(:users AS text[]), CAST(:wrote AS timestamptz[])) AS t(u, at)
        WHERE users.key = t.u
    ), forgot_inbound AS (
        DELETE FROM wa_inbound WHERE user_key IN (SELECT u FROM gone)
    ), forgot_sent AS (
        DELETE FROM wa_sent WHERE user_key IN (SELECT u FROM gone)
    ), forgot_pages AS (
        DELETE FROM wa_pages WHERE user_key IN (SELECT u FROM gone)
    ), released AS (
        DELETE FROM wa_claims AS c
        USING unnest(CAST(:released AS text[]), CAST(:known AS int[])) AS x(u, n)
        WHERE c.user_key = x.u AND c.owner = :owner AND c.stored = x.n
        RETURNING c.user_key
    )
    SELECT u, false AS released FROM gone UNION ALL SELECT user_key, true FROM released
    """
).bindparams(
    bindparam("now", type_=UTCDateTime()),
    bindparam("wrote", type_=ARRAY(UTCDateTime())),
    bindparam("owner", type_=String()),
)


async def finish_handled(
    conn: AsyncConnection,
    finished: Sequence[Finished],
    now: datetime,
    owner: str | None,
    releases: Mapping[str, int],
) -> tuple[list[str], set[str]]:
    """PostgreSQL: records what was sent for handled messages, marks them handled, forgets
    their kept answers, notes when their users wrote, deletes the rows of users that no longer
    exist (as the functions above) and lets go of the `releases` users (`owner`'s claims, as
    `storage.wa_claims.release` does), in one statement; returns the users that no longer
    exist and the users let go."""
    sent = dict(sorted({w: (u, k) for f in finished for w, u, k in f.sent}.items()))
    cleared = sorted({(f.user_key, f.wamid) for f in finished})
    wrote = dict(sorted({f.user_key: f.wrote_at for f in finished}.items()))
    released = sorted(releases) if owner is not None else []
    params = {
        "users": list(wrote),
        "wrote": list(wrote.values()),
        "sent_wamids": list(sent),
        "sent_users": [u for u, _ in sent.values()],
        "sent_kinds": [k for _, k in sent.values()],
        "wamids": [f.wamid for f in finished],
        "handled": HANDLED_PAYLOAD,
        "cleared_users": [u for u, _ in cleared],
        "cleared_ids": [m for _, m in cleared],
        "released": released,
        "known": [releases[u] for u in released],
        "owner": owner or "",
        "now": now,
    }
    gone: list[str] = []
    let_go: set[str] = set()
    for user, was_released in (await conn.execute(_FINISH, params)).all():
        (let_go.add if was_released else gone.append)(user)
    return sorted(gone), let_go


async def push_target(conn: AsyncConnection, user_key: str) -> PushTarget | None:
    """The user's last message time and push switches, or None for an unknown user."""
    row = (
        await conn.execute(
            select(users.c.last_inbound_at, users.c.pushes_off, users.c.unreachable).where(
                users.c.key == user_key
            )
        )
    ).first()
    if row is None:
        return None
    return PushTarget(row.last_inbound_at, bool(row.pushes_off), bool(row.unreachable))


async def set_pushes_off(conn: AsyncConnection, user_key: str, off: bool, now: datetime) -> None:
    """Turns pushes off (DUR) or on (BAŞLA); the user just wrote, so the window is open."""
    stmt = _insert(conn, users).values(
        key=user_key,
        channel=user_key.partition(":")[0],
        created_at=now,
        last_inbound_at=now,
        pushes_off=off,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={"pushes_off": off, "last_inbound_at": now, "unreachable": False},
    )
    await conn.execute(stmt)


async def touch_inbound(conn: AsyncConnection, wrote: Mapping[str, datetime]) -> None:
    """Notes when users last wrote (the 24-hour window) and that they can be reached again."""
    if wrote:
        stmt = (
            update(users)
            .where(users.c.key == bindparam("b_key"))
            .values(last_inbound_at=bindparam("b_at"), unreachable=False)
        )
        await conn.execute(stmt, [{"b_key": k, "b_at": at} for k, at in sorted(wrote.items())])


async def prune(conn: AsyncConnection, inbound_before: datetime, sent_before: datetime) -> int:
    """Deletes handled inbound rows and old sent rows; returns how many rows went."""
    gone = (
        await conn.execute(
            delete(wa_inbound).where(
                wa_inbound.c.processed_at.is_not(None), wa_inbound.c.received_at < inbound_before
            )
        )
    ).rowcount
    gone += (await conn.execute(delete(wa_sent).where(wa_sent.c.updated_at < sent_before))).rowcount
    return int(gone)
