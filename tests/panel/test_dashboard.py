"""The dashboard: this week's applications per status and centre, waiting conversations,
messages per channel per day as an SVG chart, the fallback share and reminder outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from storage import tables as t
from storage.repos import SqlStore
from tests.panel.rig import Rig, sign_in

pytestmark = pytest.mark.asyncio


async def test_the_dashboard_counts_what_happened(any_rig: Rig) -> None:
    rig = any_rig
    first, second = (await rig.centres())[:2]
    course, branch = await rig.course_at(first)
    for _ in range(3):
        await rig.apply(course, branch)
    other, other_branch = await rig.course_at(second)
    await rig.apply(other, other_branch)
    now = rig.clock()
    async with rig.db.write() as conn:
        store = SqlStore(conn, rig.vault, now - timedelta(minutes=30))
        await store.open_handoff("telegram:9", first, "")
        await conn.execute(
            insert(t.processed_messages),
            [
                {"user_key": f"{ch}:{n}", "message_id": f"m{n}", "processed_at": now}
                for n, ch in enumerate(["telegram"] * 5 + ["whatsapp"] * 3)
            ],
        )
        await SqlStore(conn, rig.vault, now).note_unanswered(
            "telegram:1", "galatasaray", "fallback"
        )
        await conn.execute(
            insert(t.outbox),
            [
                {"user_key": "telegram:1", "kind": "reminder", "payload": "{}",
                 "dedupe_key": f"r{n}", "status": status, "last_error": error,
                 "due_at": now - timedelta(hours=1), "created_at": now - timedelta(hours=2)}
                for n, (status, error) in enumerate(
                    [("sent", ""), ("sent", ""), ("failed", "x"), ("skipped", "blocked")]
                )
            ],
        )  # fmt: skip
    await rig.add_staff("ayse@mf.test")
    await rig.add_staff("can@mf.test", role="centre", centres=(second,))
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        page = (await c.get("/dashboard")).text
        assert '<span class="big" id="inbox-waiting">1</span>' in page
        assert "en uzun 30 dk" in page
        assert "12.5%" in page  # 1 fallback of 8 messages
        assert "başarısız 1 · ulaşılamadı 1" in page
        assert '<span class="big">2</span> hatırlatma gönderildi' in page
        assert "<svg" in page
        assert "telegram: 5</title>" in page
        assert "whatsapp: 3</title>" in page
        assert "Bekliyor: 4</title>" in page  # this week's pending applications, both centres
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        page = (await c.get("/dashboard")).text
        assert "Bekliyor: 1</title>" in page  # only their centre
        assert '<span class="big" id="inbox-waiting">0</span>' in page
