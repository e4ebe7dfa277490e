"""The whole program: an announcement to one course composed in the browser reaches its
trainees on Telegram, with its progress and final report."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from playwright.async_api import Browser, expect

from bot.run import run
from tests.course_setup import enrol
from tests.doubles.telegram_api import TelegramDouble
from tests.panel.browser.served import new_page, sign_in
from tests.panel.rig import panel_rig

TRAINEES = [880301, 880302, 880303]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_announcement_to_a_course_reaches_telegram_with_a_report(
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
        course, _ = await rig.course_at((await rig.centres())[0])
        await enrol(rig.db, course, [f"telegram:{u}" for u in TRAINEES])
        await rig.add_staff("ayse@mf.test")
        stop = asyncio.Event()
        running = asyncio.create_task(run(rig.settings, stop=stop))
        try:
            await tg.wait_for(lambda: tg.calls_to("getUpdates") or running.done())
            assert not running.done(), running.result()
            async with new_page(browser, f"http://127.0.0.1:{panel_port}") as page:
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
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 30) == 0
