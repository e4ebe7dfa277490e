"""A session moved in the browser: its trainees are told once, a second post tells nobody."""

from __future__ import annotations

import json
from datetime import timedelta

from playwright.async_api import Page, expect
from sqlalchemy import select

from storage import tables as t
from tests.course_setup import enrol
from tests.panel.browser.conftest import Served
from tests.panel.browser.served import sign_in


async def test_a_session_moved_tells_each_trainee_once(page: Page, served: Served) -> None:
    rig = served.rig
    async with rig.db.read() as conn:
        row = (
            await conn.execute(
                select(t.sessions.c.id, t.sessions.c.course_id, t.sessions.c.starts_at)
                .where(t.sessions.c.starts_at > rig.clock() + timedelta(days=3))
                .order_by(t.sessions.c.starts_at)
                .limit(1)
            )
        ).one()
    trainees = ["telegram:5101", "telegram:5102", "telegram:5103"]
    await enrol(rig.db, row.course_id, trainees)
    await rig.add_staff("ayse@mf.test")
    await sign_in(page, "ayse@mf.test")

    await page.goto(f"/courses/{row.course_id}?session={row.id}")
    new_start = (row.starts_at + timedelta(days=1)).astimezone(rig.settings.tz)
    await page.get_by_label("Yeni tarih ve başlama saati").fill(
        new_start.strftime("%Y-%m-%dT%H:%M")
    )
    await page.get_by_label("Gerekçe (isteğe bağlı; kayda geçer)").fill("Salon tadilatta")
    await page.get_by_role("button", name="Dersi taşı").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Ders taşındı; 3 kursiyere bildirildi."
    )

    # The same form sent again (a double click, the back button): refused, nobody told twice.
    await page.go_back()
    await page.get_by_role("button", name="Dersi taşı").click()
    await expect(page.locator("main")).to_contain_text("zaten bu zamanda")

    for user in trainees:
        moved = [m for m in await rig.outbox(user) if m["kind"] == "session_moved"]
        assert len(moved) == 1, user
        assert json.loads(moved[0]["payload"])["session"] == row.id
    [audited] = await rig.audit("session_moved")
    assert audited.target == row.id
    assert audited.detail["told"] == 3
