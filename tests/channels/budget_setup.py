"""Pushes queued in the outbox beside a channel's replies: users, rows and the dispatcher."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from bot.app import Assistant
from bot.budget import AccountBudget
from bot.outbox import Dispatcher, Sender
from bot.pushes import PushRenderer
from locales import load_translator
from storage import tables as t
from storage.db import Database


def _db(where: Assistant | Database) -> Database:
    return where if isinstance(where, Database) else where.db


async def add_users(where: Assistant | Database, keys: Sequence[str], now: datetime) -> None:
    """Users who wrote just now (inside WhatsApp's 24-hour window)."""
    async with _db(where).write() as conn:
        await conn.execute(
            insert(t.users),
            [
                {"key": k, "channel": k.split(":")[0], "created_at": now, "last_inbound_at": now}
                for k in keys
            ],
        )


async def queue_decisions(
    where: Assistant | Database, keys: Sequence[str], now: datetime, first: int = 0
) -> None:
    """A one-message push due now for each user (a seat came free: "Müjde! …"); their dedupe
    keys are numbered from `first`."""
    await add_users(where, keys, now)
    async with _db(where).write() as conn:
        await conn.execute(
            insert(t.outbox),
            [
                {
                    "user_key": key,
                    "kind": "decision",
                    "payload": json.dumps(
                        {"key": "apply.promoted", "values": {"number": f"MF-2026-{n:05d}"}}
                    ),
                    "dedupe_key": f"budget-test:{n}",
                    "due_at": now,
                    "created_at": now,
                }
                for n, key in enumerate(keys, start=first)
            ],
        )


async def queue_welcome(where: Assistant | Database, key: str, now: datetime) -> int:
    """A welcome due now (its text, then the centre's place) for the next session; its row id."""
    db = _db(where)
    async with db.read() as conn:
        session = (
            await conn.execute(
                select(t.sessions.c.id)
                .where(t.sessions.c.status == "scheduled", t.sessions.c.starts_at > now)
                .order_by(t.sessions.c.starts_at)
                .limit(1)
            )
        ).scalar_one()
    await add_users(db, [key], now)
    async with db.write() as conn:
        done = await conn.execute(
            insert(t.outbox).values(
                user_key=key,
                kind="welcome",
                payload=json.dumps({"session": session}),
                dedupe_key=f"welcome-test:{key}",
                due_at=now,
                created_at=now,
                session_id=session,
            )
        )
        (row_id,) = done.inserted_primary_key or (0,)
    return int(row_id)


async def outbox_row(assistant: Assistant, row_id: int) -> dict[str, Any]:
    async with assistant.db.read() as conn:
        row = (await conn.execute(select(t.outbox).where(t.outbox.c.id == row_id))).one()
    return dict(row._mapping)


def dispatcher(
    assistant: Assistant,
    senders: Mapping[str, Sender],
    budgets: Mapping[str, AccountBudget],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Dispatcher:
    settings = assistant.settings
    return Dispatcher(
        assistant.db,
        senders,
        budgets,
        PushRenderer(assistant.db, load_translator(), settings.tz, settings.default_locale),
        clock,
        users=assistant.users,
    )


def pushes_after_last_reply(order: Sequence[str], replied: set[str], pushed: set[str]) -> int:
    """How many pushes reached the platform after the last reply did (`order`: recipients in
    the order the platform accepted their messages)."""
    last = max(i for i, who in enumerate(order) if who in replied)
    return sum(1 for who in order[last + 1 :] if who in pushed)
