"""Staff's side of a handoff, the same wherever it is called from: an answer goes to the
citizen's own chat through the outbox (Telegram; WhatsApp inside the 24-hour window, else the
`handoff` template), a close tells them the assistant is back; each is an audit row, all in
the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from core.checks import clean_text
from storage import inbox_queries as q
from storage.crypto import IdVault
from storage.repos import SqlStore
from storage.staff_store import audit

ANSWER_LIMIT = 1500  # fits one Telegram message and WhatsApp's template parameter


class InboxError(Exception):
    """The answer or close cannot be done; the message says why, in Turkish."""


@dataclass(frozen=True, slots=True)
class Done:
    thread: int
    told: bool  # a message to the citizen was queued


async def answer(
    conn: AsyncConnection,
    vault: IdVault,
    now: datetime,
    scope: q.Scope,
    thread_id: int,
    text: str,
    *,
    actor: str,
    address: str = "",
) -> Done:
    """Staff's answer: into the thread and, through the outbox, to the citizen's chat."""
    text = clean_text(text).strip()[:ANSWER_LIMIT]
    if not text:
        raise InboxError("Yanıt boş olamaz.")
    user, status = await _open(conn, scope, thread_id)
    await q.staff_line(conn, thread_id, now, actor, text)
    told = await SqlStore(conn, vault, now).queue(
        user,
        "handoff",
        {"key": "push.handoff_answer", "values": {"text": text}},
        dedupe=f"handoff:{thread_id}:{now.isoformat()}",
    )
    await audit(
        conn,
        actor=actor,
        action="inbox_answer",
        now=now,
        target=f"inbox:{thread_id}",
        detail={"length": len(text), "told": told},
        address=address,
    )
    return Done(thread_id, told)


async def close(
    conn: AsyncConnection,
    vault: IdVault,
    now: datetime,
    scope: q.Scope,
    thread_id: int,
    *,
    actor: str,
    address: str = "",
) -> Done:
    """Closes the thread; the citizen is told the assistant answers again."""
    user, _ = await _open(conn, scope, thread_id)
    await q.close(conn, thread_id, now, actor)
    told = await SqlStore(conn, vault, now).queue(
        user,
        "handoff",
        {"key": "push.handoff_closed"},
        dedupe=f"handoff:{thread_id}:closed",
    )
    await audit(
        conn,
        actor=actor,
        action="inbox_close",
        now=now,
        target=f"inbox:{thread_id}",
        detail={"told": told},
        address=address,
    )
    return Done(thread_id, told)


async def _open(conn: AsyncConnection, scope: q.Scope, thread_id: int) -> tuple[str, str]:
    found = await q.user_of(conn, scope, thread_id)
    if found is None:
        raise LookupError(thread_id)
    if found[1] != "open":
        raise InboxError("Bu görüşme kapanmış; yanıt gönderilemez.")
    return found
