"""Telegram, WhatsApp and the outbox mark a user unreachable through one implementation, and the
engine hears of each one (its cached copy of the user must not hide the change)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import build_assistant
from bot.engine import Engine
from bot.outbox import Dispatcher
from core.delivery import Blocked
from core.messages import Reply
from storage import tables as t
from storage.outbox_repo import OutboxRow
from storage.users import UserRows
from tests.bot.conftest import copy_seeded, make_settings
from tests.channels.test_telegram import _running
from tests.channels.test_whatsapp import (
    PHONE_ID,
    TOKEN,
    Person,
    close_channel,
    delivery,
    open_channel,
)
from tests.doubles.graph_api import GraphDouble
from tests.doubles.telegram_api import TelegramDouble

# PTB 22 warns, while building RetryAfter, that retry_after becomes a timedelta; handled.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


@pytest.fixture
def marked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every user key the one UPDATE (`UserRows.mark_unreachable_in`) marks, in order."""
    keys: list[str] = []
    original = UserRows.mark_unreachable_in

    async def spy(self: UserRows, conn: AsyncConnection, user_keys: Any) -> list[str]:
        done = await original(self, conn, user_keys)
        keys.extend(done)
        return done

    monkeypatch.setattr(UserRows, "mark_unreachable_in", spy)
    return keys


@pytest.fixture
def forgotten(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every user the engine was told to forget (patched before any assistant is built)."""
    keys: list[str] = []
    monkeypatch.setattr(Engine, "forget_user", lambda _self, user: keys.append(user))
    return keys


async def test_telegram_marks_a_user_who_blocked_the_bot(
    tmp_path: Path, marked: list[str], forgotten: list[str]
) -> None:
    async with TelegramDouble() as tg:
        async for channel, _assistant, _metrics in _running(tg, tmp_path):
            tg.failures.blocked.add(4242)
            with pytest.raises(Blocked):
                await channel.push("telegram:4242", [Reply("Duyuru")], "announcement")
    assert marked == ["telegram:4242"]
    assert forgotten == ["telegram:4242"]


async def test_whatsapp_marks_undeliverable_numbers_on_send_and_on_status(
    tmp_path: Path, marked: list[str], forgotten: list[str]
) -> None:
    async with GraphDouble(token=TOKEN, phone_number_id=PHONE_ID) as graph:
        wa = await open_channel(None, tmp_path, graph)
        try:
            ayse, bora = Person(wa, "905321234567"), Person(wa, "905329876543")
            await ayse.say("merhaba")
            [answer] = await bora.say("merhaba")
            graph.fail_once(ayse.wa_id, 131026)
            with pytest.raises(Blocked):
                await wa.channel.push(ayse.key, [Reply("Duyuru")], "announcement")
            failure = {"code": 131026, "title": "Message undeliverable"}
            status = {
                "id": answer.wamid,
                "status": "failed",
                "timestamp": str(int(datetime.now(UTC).timestamp())),
                "recipient_id": bora.wa_id,
                "errors": [failure],
            }
            assert (await wa.post(delivery(statuses=[status]))).status_code == 200
        finally:
            await close_channel(wa)
    assert marked == [ayse.key, bora.key]
    assert [k for k in forgotten if k in marked] == [ayse.key, bora.key]


class _Blocking:
    async def push(self, user_key: str, replies: list[Reply], kind: str) -> str:
        raise Blocked(user_key)


async def _one_line(_row: OutboxRow, _now: datetime) -> list[Reply]:
    return [Reply("Duyuru")]


async def test_the_outbox_marks_a_user_its_channel_reports_blocked(
    tmp_path: Path, seeded_db: Path, marked: list[str], forgotten: list[str]
) -> None:
    copy_seeded(seeded_db, tmp_path)
    assistant = await build_assistant(make_settings(tmp_path))
    now = datetime.now(UTC)
    try:
        async with assistant.db.write() as conn:
            await conn.execute(
                insert(t.users).values(key="telegram:7", channel="telegram", created_at=now)
            )
            await conn.execute(
                insert(t.outbox).values(
                    user_key="telegram:7",
                    kind="announcement",
                    payload=json.dumps({}),
                    dedupe_key="announcement:7",
                    due_at=now,
                    created_at=now,
                )
            )
        senders = {"telegram": _Blocking()}
        dispatcher = Dispatcher(
            assistant.db, senders, {}, _one_line, lambda: now, users=assistant.users
        )
        report = await dispatcher.run_once()
    finally:
        await assistant.close()
    assert report.reasons == {"blocked": 1}
    assert marked == ["telegram:7"]
    assert forgotten == ["telegram:7"]
