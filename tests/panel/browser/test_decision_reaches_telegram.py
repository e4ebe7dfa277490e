"""The whole program: a decision taken in the browser reaches the applicant on Telegram."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.panel.browser.served import new_page, program, sign_in, with_telegram

USER = 880042


async def test_accepting_in_the_browser_tells_the_applicant_on_telegram(
    browser: Browser, tmp_path: Path, seeded_db: Path
) -> None:
    async with with_telegram(tmp_path, seeded_db) as (tg, rig, panel):
        course, branch = await rig.course_at((await rig.centres())[0])
        number = await rig.apply(course, branch, user=f"telegram:{USER}")  # as the chat stores it
        await rig.add_staff("ayse@mf.test")
        async with program(rig, tg):
            async with new_page(browser, panel) as page:
                await sign_in(page, "ayse@mf.test")
                await page.goto(f"/applications/{number}")
                await page.get_by_role("button", name="Kabul et").click()
                await expect(page.get_by_role("status")).to_have_text(
                    "Başvuru kabul edildi; başvurana bildirildi."
                )

            def told() -> list[str]:
                return [t for t in tg.sent_texts(USER) if number in t and "kabul edildi" in t]

            await tg.wait_for(told, within=30)
            assert len(told()) == 1
            assert await rig.status(number) == "accepted"
