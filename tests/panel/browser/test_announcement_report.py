"""The whole program: an announcement to one course composed in the browser reaches its
trainees on Telegram, with its progress and final report."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.course_setup import enrol
from tests.panel.browser.served import new_page, program, sign_in, with_telegram

TRAINEES = [880301, 880302, 880303]


async def test_an_announcement_to_a_course_reaches_telegram_with_a_report(
    browser: Browser, tmp_path: Path, seeded_db: Path
) -> None:
    async with with_telegram(tmp_path, seeded_db) as (tg, rig, panel):
        course, _ = await rig.course_at((await rig.centres())[0])
        await enrol(rig.db, course, [f"telegram:{u}" for u in TRAINEES])
        await rig.add_staff("ayse@mf.test")
        async with program(rig, tg):
            async with new_page(browser, panel) as page:
                await sign_in(page, "ayse@mf.test")
                await page.goto("/announcements")
                await page.get_by_label("Alıcılar").select_option(f"course:{course}")
                await page.get_by_label("Duyuru metni").fill("Cuma dersi 19.00'da başlayacak.")
                await page.get_by_role("button", name="Önizle").click()
                await expect(page.locator("#recipients")).to_have_text("3")
                await page.get_by_role("button", name="Onayla ve gönder (3 kişi)").click()
                await expect(page.get_by_role("status")).to_have_text(
                    "Tamamlandı: 3 kişi", timeout=30_000
                )
                await expect(page.locator("tr", has_text="Gönderildi")).to_contain_text("3")
            for user in TRAINEES:
                assert any("Cuma dersi 19.00" in text for text in tg.sent_texts(user))
