"""Telegram: one budget per bot for replies and pushes (replies first), end to end: real
python-telegram-bot polling the Bot API double, which answers 429 beyond its overall rate."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Assistant, build_assistant
from bot.channels.telegram import TelegramChannel
from bot.metrics import Metrics
from tests.bot.conftest import copy_seeded, make_settings
from tests.channels.budget_setup import (
    dispatcher,
    outbox_row,
    pushes_after_last_reply,
    queue_decisions,
    queue_welcome,
)
from tests.doubles.telegram_api import TelegramDouble

# PTB warns when it builds a RetryAfter from a 429 (retry_after becomes a timedelta in v23).
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")
USER = 770011


@dataclass
class Bot:
    tg: TelegramDouble
    channel: TelegramChannel
    assistant: Assistant

    def replied(self, chats: list[int]) -> bool:
        return all(self.tg.sent_texts(c) for c in chats)

    def refused(self) -> int:
        return sum(1 for c in self.tg.calls if c.status == 429)


@asynccontextmanager
async def running(tmp_path: Path, tg: TelegramDouble, **env: str) -> AsyncIterator[Bot]:
    """The channel as `meslek-bot run` builds it: the bot's budget from the settings."""
    settings = make_settings(tmp_path, telegram_token=tg.token, telegram_api_url=tg.api_url, **env)
    assistant = await build_assistant(settings)
    channel = TelegramChannel(
        settings,
        assistant.engine,
        assistant.users,
        Metrics(),
        budget=assistant.budget_of("telegram"),
        poll_timeout=1,
    )
    try:
        await channel.start()
        try:
            yield Bot(tg, channel, assistant)
        finally:
            await channel.stop()
    finally:
        await assistant.close()


@pytest.fixture
async def tg() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble() as double:
        yield double


async def test_a_burst_of_updates_is_answered_within_the_bots_overall_rate(
    tg: TelegramDouble, tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    tg.failures.rate_overall = 30  # Telegram's ~30 messages/s for one bot
    async with running(tmp_path, tg) as bot:  # MF_TELEGRAM_MAX_RATE=30
        chats = [600_000 + i for i in range(75)]
        for chat in chats:
            tg.send_text(chat, "merhaba")
        await tg.wait_for(lambda: bot.replied(chats), within=30)
        await tg.settle(0.3)
        assert bot.refused() == 0
        assert all(len(tg.sent_texts(c)) >= 1 for c in chats)


async def test_replies_go_before_the_pushes_waiting_for_the_same_bot(
    tg: TelegramDouble, tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    tg.failures.rate_overall = 20
    async with running(tmp_path, tg, telegram_max_rate="20") as bot:
        pushed = [800_000 + i for i in range(60)]  # 3 s of pushes at 20/s
        await queue_decisions(bot.assistant, [f"telegram:{c}" for c in pushed], _now())
        outbox = dispatcher(
            bot.assistant, {"telegram": bot.channel}, {"telegram": bot.channel.budget}
        )
        sending = asyncio.create_task(outbox.drain())
        await tg.wait_for(lambda: len(tg.calls_to("sendMessage")) >= 5)
        chats = [810_000 + i for i in range(10)]
        for chat in chats:
            tg.send_text(chat, "merhaba")
        await tg.wait_for(lambda: bot.replied(chats), within=30)
        report = await asyncio.wait_for(sending, 30)

        assert report.sent == len(pushed)
        order = [str(c.chat_id) for c in tg.calls_to("sendMessage")]
        after = pushes_after_last_reply(order, set(map(str, chats)), set(map(str, pushed)))
        assert after >= 20  # behind the replies, not before them
        assert bot.refused() == 0


async def test_a_429_on_a_welcomes_venue_sends_the_text_once_and_the_venue_after(
    tg: TelegramDouble, tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    async with running(tmp_path, tg) as bot:
        now = [_now()]
        row = await queue_welcome(bot.assistant, f"telegram:{USER}", now[0])
        outbox = dispatcher(
            bot.assistant,
            {"telegram": bot.channel},
            {"telegram": bot.channel.budget},
            clock=lambda: now[0],
        )
        tg.failures.fail_after, tg.failures.fail_next, tg.failures.retry_after = 1, 1, 1
        first = await outbox.run_once()
        assert first.retried == 1
        [text] = tg.sent_texts(USER)
        assert text.startswith("Hoş geldiniz!")
        assert tg.calls_to("sendVenue", USER) == []
        kept = await outbox_row(bot.assistant, row)
        assert (kept["status"], json.loads(kept["payload"])["parts_sent"]) == ("queued", 1)

        now[0] += timedelta(seconds=2)  # due again after Telegram's retry_after
        second = await outbox.run_once()
        assert second.sent == 1
        assert tg.sent_texts(USER) == [text]  # the text exactly once
        [refused] = [c for c in tg.calls if c.status == 429]
        [venue] = tg.calls_to("sendVenue", USER)
        assert refused.method == "sendVenue"
        assert venue.at - refused.at >= 0.95  # after the pause Telegram asked for
        assert (await outbox_row(bot.assistant, row))["status"] == "sent"


def _now() -> datetime:
    return datetime.now(UTC)
