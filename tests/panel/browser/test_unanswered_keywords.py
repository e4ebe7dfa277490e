"""The whole program: a question the assistant could not answer shows up grouped in the
panel, an admin adds a keyword from it, and after the catalog reload the same question is
understood."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import Browser, expect
from sqlalchemy import select

from storage import tables as t
from tests.panel.browser.served import new_page, program, sign_in, with_telegram

USER = 880099
ASKED = "dron pilotluğu kursu var mı"
NO_COURSE = "diye bir kursumuz yok"


async def test_a_keyword_added_from_an_unanswered_question_is_understood(
    browser: Browser, tmp_path: Path, seeded_db: Path
) -> None:
    async with with_telegram(tmp_path, seeded_db) as (tg, rig, panel):
        await rig.add_staff("ayse@mf.test")
        async with rig.db.read() as conn:
            branch, name = (
                await conn.execute(
                    select(t.branches.c.id, t.branches.c.name).order_by(t.branches.c.id).limit(1)
                )
            ).one()

        def said(fragment: str) -> int:
            return sum(fragment in text for text in tg.sent_texts(USER))

        async with program(rig, tg):
            tg.send_text(USER, ASKED)
            await tg.wait_for(lambda: said(NO_COURSE), within=20)
            tg.send_text(USER, "Dron pilotluğu kursu var mı?")
            await tg.wait_for(lambda: said(NO_COURSE) == 2, within=20)

            async with new_page(browser, panel) as page:
                await sign_in(page, "ayse@mf.test")
                await page.goto("/unanswered")
                row = page.locator("tr", has_text="ron pilotluğu kursu var mı")
                await expect(row).to_have_count(1)
                await expect(row.locator("td").nth(1)).to_have_text("2")
                await row.get_by_role("link").click()
                await expect(page.get_by_role("listitem")).to_have_count(2)  # two wordings
                await page.get_by_label("Kurs dalı").select_option(branch)
                await page.get_by_label("Anahtar kelimeler").fill("dron pilotluğu")
                await page.get_by_role("button", name="Ekle").click()
                await expect(page.get_by_role("status")).to_contain_text("1 anahtar kelime eklendi")
                await expect(page.get_by_text("Yanıtlanamayan soru yok.")).to_be_visible()

            async def understood() -> bool:  # the catalog is reloaded within a few seconds
                before = len(tg.sent_texts(USER))
                tg.send_text(USER, ASKED)
                await tg.wait_for(lambda: len(tg.sent_texts(USER)) > before, within=20)
                await tg.settle()
                return NO_COURSE not in tg.sent_texts(USER)[-1]

            for _ in range(20):
                if await understood():
                    break
                await asyncio.sleep(1)
            assert name in tg.sent_texts(USER)[-1]
