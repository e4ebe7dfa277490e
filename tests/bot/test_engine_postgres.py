"""The engine's own statements on both databases: a whole application, redeliveries, erasure.

The rest of tests/bot runs on SQLite (the bundled database); this file runs the turn's
hand-written INSERT … ON CONFLICT statements and the shared id log on PostgreSQL too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import Assistant, build_assistant
from core.messages import Incoming
from storage import tables as t
from tests.bot.conftest import Chat, make_settings
from tests.bot.test_apply import reach_name_question
from tests.dbutil import fresh_postgres_url, postgres_base_url
from tests.idnumbers import VALID_ID


@pytest.fixture(params=["sqlite", "postgres"])
async def assistant(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Assistant]:
    base = postgres_base_url()
    if request.param == "sqlite":
        built = await build_assistant(make_settings(tmp_path))
        yield built
        await built.close()
        return
    if base is None:
        pytest.skip("PostgreSQL skipped: MF_TEST_DATABASE_URL is not set")
    async with fresh_postgres_url(base) as url:
        built = await build_assistant(make_settings(tmp_path, database_url=url))
        yield built
        await built.close()


async def ids_of(a: Assistant, user: str) -> list[str]:
    async with a.db.read() as conn:
        rows = await conn.execute(
            select(t.processed_messages.c.message_id).where(t.processed_messages.c.user_key == user)
        )
        return sorted(rows.scalars())


async def test_turns_store_and_dedupe_on_either_database(assistant: Assistant) -> None:
    user = "telegram:31"
    engine = assistant.engine
    first = Incoming(user=user, text="kurslar ücretli mi", message_id="1")
    assert "ücretsiz" in (await engine.handle(first))[0].text.lower()
    assert await engine.handle(first) == []
    chat = Chat(assistant, user=user)
    await reach_name_question(chat)
    await engine.handle(Incoming(user=user, text="Ayşe Yılmaz", message_id="2"))
    assert await engine.handle(Incoming(user=user, text="Ayşe Yılmaz", message_id="2")) == []
    for answer in ("12.05.1998", VALID_ID, "05321234567", "Buca", "geç", "geç"):
        await chat.say(answer)
    await chat.press_label("Gönder")
    assert "MF-" in chat.texts()
    await asyncio.sleep(0.1)  # the shared log writes within milliseconds
    assert await ids_of(assistant, user) == ["1", "2"]
    async with assistant.db.read() as conn:
        users = await conn.execute(select(t.users).where(t.users.c.key == user))
        row = users.one()
        assert row.last_inbound_at is not None
        assert row.unreachable is False
        count = await conn.execute(select(func.count()).select_from(t.applications))
        assert count.scalar_one() == 1
    await chat.say("verilerimi sil")
    await chat.press_label("Evet")
    assert "silindi" in chat.texts()
    await engine.close()
    assert await ids_of(assistant, user) == []
