"""The whole program: a question the assistant could not answer shows up in the panel, an
admin adds an answer to the FAQ from it (a word that already asks another question refused
first, what was typed kept), and after the catalog reload the same question gets that answer
in the citizen's Telegram chat."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import Browser, expect

from tests.panel.browser.served import new_page, program, sign_in, with_telegram

USER = 880199
ASKED = "merkezde otopark var mı"
ANSWER = "Merkezlerimizin kendi otoparkı yok; toplu taşımayı öneririz."


async def test_an_answer_added_to_the_faq_from_an_unanswered_question_is_given(
    browser: Browser, tmp_path: Path, seeded_db: Path
) -> None:
    async with with_telegram(tmp_path, seeded_db) as (tg, rig, panel):
        await rig.add_staff("ayse@mf.test")
        async with program(rig, tg):
            tg.send_text(USER, ASKED)
            await tg.wait_for(lambda: tg.sent_texts(USER), within=20)
            assert ANSWER not in tg.sent_texts(USER)[-1]

            async with new_page(browser, panel) as page:
                await sign_in(page, "ayse@mf.test")
                await page.goto("/unanswered")
                row = page.locator("tr", has_text=ASKED)
                await expect(row).to_have_count(1)
                await row.get_by_role("link").click()
                await page.get_by_label("Bu soruyu soran sözler").fill("ücretli, otopark")
                await page.get_by_label("Cevap (Türkçe)").fill(ANSWER)
                await page.get_by_role("button", name="Cevabı kaydet").click()
                await expect(page.get_by_role("alert")).to_contain_text("“Ücret” sorusu")
                await expect(page.get_by_label("Cevap (Türkçe)")).to_have_value(ANSWER)
                await page.get_by_label("Bu soruyu soran sözler").fill("otopark")
                await page.get_by_role("button", name="Cevabı kaydet").click()
                await expect(page.get_by_role("status")).to_contain_text(
                    "Cevap sık sorulanlara eklendi"
                )
                await expect(page.get_by_text("Yanıtlanamayan soru yok.")).to_be_visible()

            async def answered() -> bool:  # the catalog is reloaded within a few seconds
                before = len(tg.sent_texts(USER))
                tg.send_text(USER, "teşekkürler")  # (the same text twice would be a repeat)
                tg.send_text(USER, ASKED)
                await tg.wait_for(lambda: len(tg.sent_texts(USER)) >= before + 2, within=20)
                await tg.settle()
                return ANSWER in tg.sent_texts(USER)[-1]

            for _ in range(20):
                if await answered():
                    break
                await asyncio.sleep(1)
            assert ANSWER in tg.sent_texts(USER)[-1]
