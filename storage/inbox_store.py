"""The citizen's side of the inbox, for a chat turn: open a conversation with a person, add
what the citizen writes to it, leave it. Staff's side is `storage/inbox_queries.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from core.checks import mask_long_numbers, mask_national_ids
from core.conversation import Said
from storage import tables as t

TEXT_LIMIT = 2000


def masked(text: str) -> str:
    """What the inbox keeps of a message: ids and phone-like numbers masked, cut to size."""
    return mask_long_numbers(mask_national_ids(text.strip()))[:TEXT_LIMIT]


async def add_message(
    conn: Any, thread: int, now: datetime, sender: str, text: str, author: str = ""
) -> None:
    """One line of a thread: the citizen's (masked), staff's, a note (opened, left…), or one
    said before the handoff ("before_in" the citizen's, "before_out" the assistant's)."""
    await conn.execute(
        insert(t.inbox_messages).values(
            thread_id=thread, at=now, sender=sender, author=author[:254], text=masked(text)
        )
    )


class InboxStore:
    """Methods of SqlStore about handoffs (core.ports.Handoffs); needs `conn` and `now`."""

    conn: Any  # AsyncConnection or LazyWrite, set by SqlStore
    now: datetime

    async def open_handoff(
        self, user: str, centre: str | None, context: str, before: Sequence[Said] = ()
    ) -> int:
        th = t.inbox_threads.c
        found = (
            await self.conn.execute(
                select(th.id).where(th.user_key == user, th.status == "open").order_by(th.id)
            )
        ).scalar()
        if found is not None:
            return int(found)
        result = await self.conn.execute(
            insert(t.inbox_threads)
            .values(
                user_key=user,
                centre_id=centre,
                status="open",
                context=masked(context)[:500],
                opened_at=self.now,
                waiting_since=self.now,
                last_message_at=self.now,
            )
            .returning(th.id)
        )
        thread = int(result.scalar_one())
        for line in before:  # (masked again: the inbox's own rule, whoever masked them first)
            sender = "before_in" if line.by_user else "before_out"
            await add_message(self.conn, thread, line.at, sender, line.text)
        return thread

    async def handoff_note(self, thread: int, user: str, text: str) -> int:
        th, m = t.inbox_threads.c, t.inbox_messages.c
        status = (
            await self.conn.execute(select(th.status).where(th.id == thread, th.user_key == user))
        ).scalar()
        if status != "open":
            return 0
        await add_message(self.conn, thread, self.now, "citizen", text)
        await self.conn.execute(
            update(t.inbox_threads)
            .where(th.id == thread)
            .values(
                waiting_since=func.coalesce(th.waiting_since, self.now),
                last_message_at=self.now,
            )
        )
        written = await self.conn.execute(
            select(func.count()).where(m.thread_id == thread, m.sender == "citizen")
        )
        return int(written.scalar_one())

    async def leave_handoff(self, thread: int, user: str) -> bool:
        th = t.inbox_threads.c
        done = await self.conn.execute(
            update(t.inbox_threads)
            .where(th.id == thread, th.user_key == user, th.status == "open")
            .values(status="closed", closed_at=self.now, closed_by="", waiting_since=None)
        )
        if not done.rowcount:
            return False
        await add_message(self.conn, thread, self.now, "note", "left")
        return True
