"""The whole program: a citizen on Telegram asks for a person, staff answer in the browser,
the answer reaches the citizen's chat, the citizen's reply appears in the thread, staff close
and the assistant answers again. What the citizen asked the assistant just before shows above
the thread, digits masked."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.panel.browser.served import new_page, program, sign_in, with_telegram

USER = 880077
HELD = "yetkiliye ilettim"


async def test_staff_answer_a_handoff_in_the_browser_and_close_it(
    browser: Browser, tmp_path: Path, seeded_db: Path
) -> None:
    async with with_telegram(tmp_path, seeded_db) as (tg, rig, panel):
        await rig.add_staff("ayse@mf.test")

        def said(fragment: str) -> int:
            return sum(fragment in text for text in tg.sent_texts(USER))

        async with program(rig, tg):
            tg.send_text(USER, "kızım 15 yaşında başvurabilir mi")
            await tg.wait_for(lambda: tg.sent_texts(USER), within=20)
            tg.send_text(USER, "yetkili ile görüşmek istiyorum")
            await tg.wait_for(lambda: said("yetkiliye bağladım"), within=20)
            tg.send_text(USER, "Sertifika veriliyor mu?")
            await tg.wait_for(lambda: said(HELD), within=20)

            async with new_page(browser, panel) as page:
                await sign_in(page, "ayse@mf.test")
                await page.goto("/inbox")
                await expect(page.get_by_text("bekliyor")).to_be_visible()
                await page.get_by_role("link", name="#").first.click()
                await expect(page.get_by_text("Sertifika veriliyor mu?")).to_be_visible()
                earlier = page.locator(".line-before_in")
                await expect(earlier).to_have_count(1)
                await expect(earlier.locator("p")).to_have_text("kızım ## yaşında başvurabilir mi")
                await expect(earlier.locator("small")).to_contain_text("aktarılmadan önce")
                await expect(page.get_by_text("Yetkiliye aktarılmadan önce")).to_be_visible()
                await page.get_by_label("Yanıtınız").fill("Evet, kurs sonunda sertifika verilir.")
                await page.get_by_role("button", name="Gönder").click()
                await expect(page.get_by_role("status")).to_contain_text("sıraya alındı")
                await tg.wait_for(lambda: said("sertifika verilir"), within=30)
                assert said("Yetkilinin yanıtı") == 1

                tg.send_text(USER, "Teşekkürler, anladım")
                await tg.wait_for(lambda: said(HELD) == 2, within=20)
                await page.reload()
                await expect(page.get_by_text("Teşekkürler, anladım")).to_be_visible()

                await page.get_by_role("button", name="Görüşmeyi kapat").click()
                await expect(page.get_by_role("status")).to_contain_text("Görüşme kapatıldı")
                await expect(page.get_by_text("Açık görüşme yok.")).to_be_visible()
            await tg.wait_for(lambda: said("görüşmeniz kapandı"), within=30)

            sent = len(tg.sent_texts(USER))
            tg.send_text(USER, "kurslar")
            await tg.wait_for(lambda: len(tg.sent_texts(USER)) > sent, within=20)
            await tg.settle()
            assert said(HELD) == 2  # the assistant answered this one itself
            actions = [r.action for r in await rig.audit()]  # newest first
            assert [a for a in actions if a.startswith("inbox")] == ["inbox_close", "inbox_answer"]
