"""Announcements: who an audience reaches (distinct chat accounts), per channel and inside
WhatsApp's 24-hour window, the outbox rows that carry one, and how they ended.

An audience is a course's trainees, a centre's trainees, everyone who applied for a branch
(cancelled applications left out) or all trainees; only accounts the assistant can write to
(a linked chat account, not marked unreachable) are counted."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import tables as t
from storage.outbox_repo import queue_many

KINDS = ("course", "centre", "branch", "all")
WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Audience:
    kind: str  # one of KINDS
    target: str = ""  # the course, centre or branch id ("" for all)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.target}" if self.target else self.kind


async def recipients(conn: AsyncConnection, audience: Audience) -> list[str]:
    """The distinct user keys the audience reaches, sorted."""
    e, c, a, u = t.enrolments.c, t.courses.c, t.applications.c, t.users.c
    if audience.kind == "branch":
        query = select(a.user_key).where(
            a.branch_id == audience.target, a.status != "cancelled", a.user_key.is_not(None)
        )
        user = a.user_key
    else:
        query = select(e.user_key).where(e.user_key.is_not(None))
        if audience.kind == "course":
            query = query.where(e.course_id == audience.target)
        elif audience.kind == "centre":
            query = query.join(t.courses, c.id == e.course_id).where(c.center_id == audience.target)
        user = e.user_key
    reachable = query.join(t.users, and_(u.key == user, u.unreachable.is_(False))).distinct()
    return sorted(str(r[0]) for r in await conn.execute(reachable))


async def outside_window(conn: AsyncConnection, users: list[str], now: datetime) -> int:
    """How many WhatsApp users among `users` last wrote more than 24 hours ago."""
    wa = [k for k in users if k.startswith("whatsapp:")]
    if not wa:
        return 0
    u = t.users.c
    inside = 0
    for start in range(0, len(wa), 500):
        inside += int(
            (
                await conn.execute(
                    select(func.count()).where(
                        u.key.in_(wa[start : start + 500]), u.last_inbound_at > now - WINDOW
                    )
                )
            ).scalar_one()
        )
    return len(wa) - inside


def per_channel(users: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(k.partition(":")[0] for k in users).items()))


async def queue(
    conn: AsyncConnection,
    now: datetime,
    users: list[str],
    payload: dict[str, Any],
    prefix: str,
) -> int:
    """One `announcement` row per user, keyed `<prefix>:<user>` (so a retry adds none)."""
    body = json.dumps(payload, ensure_ascii=False)
    return await queue_many(
        conn,
        (
            {
                "user_key": user,
                "kind": "announcement",
                "payload": body,
                "dedupe_key": f"{prefix}:{user}"[:200],
                "due_at": now,
                "created_at": now,
            }
            for user in users
        ),
    )


# How an outbox row's skip reason reads in the report.
UNREACHABLE = frozenset(
    {"blocked", "unreachable", "pushes_off", "skipped_off", "unknown_user", "no_channel"}
)


async def report(conn: AsyncConnection, prefix: str) -> dict[str, int]:
    """sent / waiting / unreachable / failed / outside the window without a template / other."""
    o = t.outbox.c
    out = dict.fromkeys(("sent", "waiting", "unreachable", "failed", "window", "other"), 0)
    rows = await conn.execute(
        select(o.status, o.last_error, func.count())
        .where(o.dedupe_key.startswith(prefix + ":"))
        .group_by(o.status, o.last_error)
    )
    for status, error, n in rows:
        if status == "sent":
            out["sent"] += n
        elif status in ("queued", "sending"):
            out["waiting"] += n
        elif status == "failed":
            out["failed"] += n
        elif error == "skipped_window":
            out["window"] += n
        elif error in UNREACHABLE:
            out["unreachable"] += n
        else:
            out["other"] += n
    out["total"] = sum(out.values())
    return out
