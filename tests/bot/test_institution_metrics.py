"""/metrics carries the dashboard's counts, read from the database at each scrape."""

from __future__ import annotations

import httpx

from bot.metrics import Metrics
from bot.web import build_web_app
from tests.bot.conftest import Chat


async def test_metrics_export_the_dashboard_counts(chat: Chat) -> None:
    await chat.say("yetkili ile görüşmek istiyorum")
    await chat.say("galatasaray 3 gol attı mı")  # held for the person; recorded as the handoff's
    other = Chat(chat.assistant, user="console:other")
    await other.say("galatasaray 3 gol attı mı")  # the fallback
    app = build_web_app(chat.assistant.db, Metrics(), [])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        text = (await client.get("/metrics")).text
    lines = set(text.splitlines())
    assert "mf_inbox_open 1" in lines
    assert "mf_inbox_waiting 1" in lines
    assert "mf_fallback_week 1" in lines
    assert 'mf_reminders_week{outcome="sent"} 0' in lines
    assert "# TYPE mf_applications_week gauge" in lines
