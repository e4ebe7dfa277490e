"""The whole program: a citizen on Telegram asks for a person, staff answer in the browser,
the answer reaches the citizen's chat, the citizen's reply appears in the thread, staff close
and the assistant answers again."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from playwright.async_api import Browser, expect

from bot.run import run
from tests.doubles.telegram_api import TelegramDouble
from tests.panel.browser.served import new_page, sign_in
from tests.panel.rig import panel_rig

USER = 880077
HELD = "yetkiliye ilettim"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_staff_answer_a_handoff_in_the_browser_and_close_it(
    browser: Browser, tmp_path: Path, seeded_db: Path
) -> None:
    panel_port = _free_port()
    async with (
        TelegramDouble() as tg,
        panel_rig(
            tmp_path,
            seeded_db,
            telegram_token=tg.token,
            telegram_api_url=tg.api_url,
            http_port=str(_free_port()),
            panel_port=str(panel_port),
            quiet_hours="",
        ) as rig,
    ):
        await rig.add_staff("ayse@mf.test")
        stop = asyncio.Event()
        running = asyncio.create_task(run(rig.settings, stop=stop))

        def said(fragment: str) -> int:
            return sum(fragment in text for text in tg.sent_texts(USER))

        try:
            await tg.wait_for(lambda: tg.calls_to("getUpdates") or running.done())
            assert not running.done(), running.result()
            tg.send_text(USER, "yetkili ile görüşmek istiyorum")
            await tg.wait_for(lambda: said("yetkiliye bağladım"), within=20)
            tg.send_text(USER, "Sertifika veriliyor mu?")
            await tg.wait_for(lambda: said(HELD), within=20)

            async with new_page(browser, f"http://127.0.0.1:{panel_port}") as page:
                await sign_in(page, "ayse@mf.test")
                await page.goto("/inbox")
                await expect(page.get_by_text("bekliyor")).to_be_visible()
                await page.get_by_role("link", name="#").first.click()
                await expect(page.get_by_text("Sertifika veriliyor mu?")).to_be_visible()
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

            tg.send_text(USER, "kurslar")
            await tg.wait_for(lambda: len(tg.sent_texts(USER)) >= 6, within=20)
            await tg.settle()
            assert said(HELD) == 2  # the assistant answered this one itself
            actions = [r.action for r in await rig.audit()]  # newest first
            assert [a for a in actions if a.startswith("inbox")] == ["inbox_close", "inbox_answer"]
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 30) == 0
