"""Staff decisions on applications, the same from the command line and from the panel.

A decision changes the status (seats and the waiting list follow the chat's rules), tells the
applicant on their own channel through the outbox, and is written to the audit trail, all in
the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.checks import clean_text
from storage import tables as t
from storage.crypto import IdVault
from storage.repos import SqlStore
from storage.staff_store import audit

DECISIONS = {"accept": "accepted", "reject": "rejected", "waitlist": "waitlisted"}
REASON_LIMIT = 500


class DecisionError(Exception):
    """The decision cannot be taken; the message says why, in Turkish."""


@dataclass(frozen=True, slots=True)
class Decided:
    number: str
    before: str
    after: str
    told: bool  # a message to the applicant was queued


async def decide(
    conn: AsyncConnection,
    vault: IdVault,
    now: datetime,
    number: str,
    status: str,
    *,
    actor: str,
    reason: str = "",
    address: str = "",
) -> Decided:
    """Sets an application's status to accepted, rejected or waitlisted."""
    if status not in DECISIONS.values():
        raise DecisionError(f"{status}: bilinmeyen karar")
    reason = " ".join(clean_text(reason).split())[:REASON_LIMIT]
    store = SqlStore(conn, vault, now)
    before = await store.application(number)
    if before is None:
        raise DecisionError(f"{number}: böyle bir başvuru yok.")
    if before.status == "cancelled":
        raise DecisionError(f"{number}: başvuran iptal etmiş; karar verilemez.")
    after = await store.set_status(number, status, by=f"staff:{actor}")
    assert after is not None
    if status == "rejected" or reason:
        await conn.execute(
            update(t.applications).where(t.applications.c.number == number).values(reason=reason)
        )
    told = False
    if before.status != status and after.user:
        key, values = f"decision.{status}", {"number": after.number}
        if status == "rejected" and reason:
            key, values = (
                "decision.rejected_reason",
                {"number": after.number, "reason": reason.rstrip(" .")},
            )
        told = await store.queue(
            after.user,
            "decision",
            {"key": key, "values": values},
            dedupe=f"decision:{after.number}:{status}:{now.isoformat()}",
        )
    await audit(
        conn,
        actor=actor,
        action="decision",
        now=now,
        target=number,
        detail={"from": before.status, "to": status, "reason": reason, "told": told},
        address=address,
    )
    return Decided(number=number, before=before.status, after=status, told=told)
