"""The whole program: a decision taken in the browser reaches the applicant on Telegram."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from playwright.async_api import Browser, expect

from bot.run import run
from tests.doubles.telegram_api import TelegramDouble
from tests.panel.browser.served import new_page, sign_in
from tests.panel.rig import panel_rig

USER = 880042


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_accepting_in_the_browser_tells_the_applicant_on_telegram(
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
            quiet_hours="",  # the decision goes out at once, whatever the hour
        ) as rig,
    ):
        course, branch = await rig.course_at((await rig.centres())[0])
        number = await rig.apply(course, branch, user=f"telegram:{USER}")  # as the chat stores it
        await rig.add_staff("ayse@mf.test")
        stop = asyncio.Event()
        running = asyncio.create_task(run(rig.settings, stop=stop))
        try:
            # the panel listens before the channels start; polling means everything is up
            await tg.wait_for(lambda: tg.calls_to("getUpdates") or running.done())
            assert not running.done(), running.result()
            async with new_page(browser, f"http://127.0.0.1:{panel_port}") as page:
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
        finally:
            stop.set()
            assert await asyncio.wait_for(running, 30) == 0
