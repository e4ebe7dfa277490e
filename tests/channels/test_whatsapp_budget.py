"""WhatsApp: one budget per phone number for replies and pushes (replies first), end to end:
signed webhooks over real HTTP in, the Graph double enforcing the Cloud API's throughput per
phone number (80 messages/s, error 130429) out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from storage import tables as t
from tests.bot.conftest import copy_seeded
from tests.channels.budget_setup import (
    dispatcher,
    outbox_row,
    pushes_after_last_reply,
    queue_decisions,
    queue_welcome,
)
from tests.channels.test_whatsapp import (
    PHONE_ID,
    TOKEN,
    Person,
    WhatsApp,
    close_channel,
    delivery,
    open_channel,
)
from tests.doubles.graph_api import GraphDouble

CLOUD_API_THROUGHPUT = 80  # messages/s per business phone number (Meta's default)


async def burst(wa: WhatsApp, people: Sequence[Person], text: str) -> list[httpx.Response]:
    """One delivery from each person, all posted at once."""
    bodies = [delivery(p.message("text", text={"body": text})) for p in people]
    return await asyncio.gather(*(wa.post(body) for body in bodies))


async def unhandled(wa: WhatsApp) -> int:
    async with wa.assistant.db.read() as conn:
        query = select(func.count()).where(t.wa_inbound.c.processed_at.is_(None))
        return int((await conn.execute(query)).scalar_one())


async def test_a_burst_of_100_deliveries_is_answered_within_the_numbers_throughput(
    tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    async with GraphDouble(TOKEN, PHONE_ID, rate_limit=CLOUD_API_THROUGHPUT) as graph:
        wa = await open_channel(None, tmp_path, graph, paced=True)  # MF_WHATSAPP_MAX_RATE=50
        try:
            people = [Person(wa, f"9053300{i:05d}") for i in range(100)]
            answers = await burst(wa, people, "merhaba")
            assert [a.status_code for a in answers] == [200] * 100
            await wa.settle()

            assert graph.throttled() == 0
            assert [p.wa_id for p in people if not graph.to(p.wa_id)] == []  # everyone answered
            assert wa.metrics.errors.value(channel="whatsapp", kind="send") == 0
            assert await unhandled(wa) == 0
            assert len(graph.sent) >= 100
            assert graph.busiest_second() <= 50  # the configured budget, under Meta's 80
        finally:
            await close_channel(wa)


async def test_replies_go_before_the_pushes_waiting_for_the_same_number(
    tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    async with GraphDouble(TOKEN, PHONE_ID, rate_limit=CLOUD_API_THROUGHPUT) as graph:
        wa = await open_channel(None, tmp_path, graph, paced=True, whatsapp_max_rate="20")
        try:
            pushed = [f"9053400{i:05d}" for i in range(60)]  # 3 s of pushes at 20/s
            await queue_decisions(wa.assistant, [f"whatsapp:{w}" for w in pushed], _now())
            outbox = dispatcher(
                wa.assistant, {"whatsapp": wa.channel}, {"whatsapp": wa.channel.budget}
            )
            sending = asyncio.create_task(outbox.drain())
            await graph.wait_for(lambda g: len(g.sent) >= 5)
            people = [Person(wa, f"9053500{i:05d}") for i in range(10)]
            answers = await burst(wa, people, "merhaba")
            assert [a.status_code for a in answers] == [200] * 10
            await wa.settle()
            report = await asyncio.wait_for(sending, 30)

            assert report.sent == len(pushed)
            assert all(graph.to(p.wa_id) for p in people)
            order = [s.to for s in graph.sent]
            replied = {p.wa_id for p in people}
            # The pushes queued before the replies came waited for them: had the replies
            # queued behind the pushes, none would be left after the last one.
            assert pushes_after_last_reply(order, replied, set(pushed)) >= 20
            assert graph.throttled() == 0
            assert graph.busiest_second() <= 20
        finally:
            await close_channel(wa)


async def test_a_push_failing_on_its_second_message_sends_only_that_one_again(
    tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    async with GraphDouble(TOKEN, PHONE_ID) as graph:
        wa = await open_channel(None, tmp_path, graph)
        try:
            ayse = Person(wa, "905321234567")
            now = [_now()]
            row = await queue_welcome(wa.assistant, ayse.key, now[0])
            outbox = dispatcher(
                wa.assistant,
                {"whatsapp": wa.channel},
                {"whatsapp": wa.channel.budget},
                clock=lambda: now[0],
            )
            # The text goes through; the place is refused as often as the channel tries it.
            for after in (1, 0, 0):
                graph.fail_once(ayse.wa_id, 130429, after=after)
            first = await outbox.run_once()
            assert first.retried == 1
            [text] = graph.to(ayse.wa_id)
            assert (text.type, text.text.startswith("Hoş geldiniz!")) == ("text", True)
            kept = await outbox_row(wa.assistant, row)
            assert kept["status"] == "queued"
            assert json.loads(kept["payload"])["parts_sent"] == 1

            now[0] += timedelta(minutes=1)
            second = await outbox.run_once()
            assert second.sent == 1
            assert [s.type for s in graph.to(ayse.wa_id)] == ["text", "location"]  # text once
            assert [code for code, _ in graph.rejected] == [130429] * 3  # the place, each try
            assert (await outbox_row(wa.assistant, row))["status"] == "sent"
        finally:
            await close_channel(wa)


def _now() -> datetime:
    return datetime.now(UTC)
