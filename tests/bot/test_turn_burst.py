"""A burst of new users through the real engine: their turns are written together, exactly once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import select

from bot.app import Assistant, build_assistant
from core.messages import Incoming
from storage import tables as t
from tests.bot.conftest import copy_seeded, make_settings

USERS = 50


def first_messages(text: str, first: int = 10_000) -> list[Incoming]:
    return [
        Incoming(f"telegram:{first + n}", text=text, message_id=f"tg:{first + n}")
        for n in range(USERS)
    ]


async def stored(assistant: Assistant) -> tuple[set[str], set[str], dict[str, str]]:
    """The users with a row, the handled message ids, and the saved conversations' data."""
    async with assistant.db.read() as conn:
        users = set((await conn.execute(select(t.users.c.key))).scalars())
        ids = set((await conn.execute(select(t.processed_messages.c.message_id))).scalars())
        rows = await conn.execute(select(t.conversations.c.user_key, t.conversations.c.data))
        return users, ids, {u: d for u, d in rows.all()}


async def test_a_burst_of_new_users_is_written_in_a_few_transactions(
    tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    assistant = await build_assistant(make_settings(tmp_path))
    try:
        log = assistant.engine.turn_log
        # A course question: it makes the course the topic in focus, which is saved.
        asked = first_messages("barista kursu var mı")
        replies = await asyncio.gather(*(assistant.engine.handle(m) for m in asked))
        assert all("Barista" in r[0].text for r in replies)
        # Each turn's user row and conversation, with its message id: two waits per turn,
        # written for all fifty in far fewer transactions than turns.
        assert log.batches < USERS // 2, log.batches
        users, ids, data = await stored(assistant)
        assert users == {m.user for m in asked}
        assert ids == {m.message_id for m in asked}
        assert set(data) == users
        assert all("_topic" in json.loads(d) for d in data.values())

        # Greetings change nothing: their ids are written shortly after, without a wait.
        greeted = first_messages("merhaba", first=20_000)
        batches = log.batches
        await asyncio.gather(*(assistant.engine.handle(m) for m in greeted))
        assert log.batches - batches <= 5
        await asyncio.sleep(0.2)
        users, ids, data = await stored(assistant)
        assert {m.user for m in greeted} <= users
        assert {m.message_id for m in greeted} <= ids
        assert not {m.user for m in greeted} & set(data)  # nothing to save for them

        # The same deliveries again, in this process and after a restart: nothing at all.
        again = await asyncio.gather(*(assistant.engine.handle(m) for m in asked + greeted))
        assert again == [[]] * (2 * USERS)
    finally:
        await assistant.close()
    second = await build_assistant(make_settings(tmp_path))
    try:
        again = await asyncio.gather(*(second.engine.handle(m) for m in asked + greeted))
        assert again == [[]] * (2 * USERS)
        assert await stored(second) == (users, ids, data)
    finally:
        await second.close()
