"""The panel served over real HTTP, and a headless Chromium to drive it (Playwright).

The browser is Debian's `chromium` (`apt-get install chromium`), never Playwright's own download:
`MF_CHROMIUM` names another binary. Without one the browser tests fail and say how to install it;
`MF_SKIP_BROWSER=1` skips them instead (a developer's machine without a browser, never CI).
`bench/panel_screenshots.py` uses the same helpers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

from bot.http_limits import PANEL_CONNECTIONS
from bot.run import _listen, _uvicorn, run
from tests.doubles.telegram_api import TelegramDouble
from tests.panel.rig import PASSWORD, Rig, panel_rig
from tests.processes import free_port

SKIP_ENV = "MF_SKIP_BROWSER"
PATH_ENV = "MF_CHROMIUM"
# Read once, at import: the tests' make_settings() clears every MF_ variable from os.environ.
ENV = {name: os.environ.get(name, "") for name in (SKIP_ENV, PATH_ENV)}
MISSING = (
    "The browser tests need Debian's Chromium and found none: install it with "
    "`sudo apt-get install chromium` (or set MF_CHROMIUM to a Chromium binary). "
    "To skip the browser tests on a machine without one, set MF_SKIP_BROWSER=1."
)


class NoBrowser(Exception):
    """No Chromium to drive; the message says how to get one."""


def skipping(env: Mapping[str, str] = ENV) -> bool:
    return env.get(SKIP_ENV, "") == "1"


def chromium_path(
    env: Mapping[str, str] = ENV, which: Callable[[str], str | None] = shutil.which
) -> str:
    """MF_CHROMIUM when set, else `chromium` on the PATH; NoBrowser when there is none."""
    given = env.get(PATH_ENV, "")
    if given:
        if Path(given).is_file() and os.access(given, os.X_OK):
            return given
        raise NoBrowser(f"MF_CHROMIUM={given} is not an executable file. {MISSING}")
    found = which("chromium")
    if found is None:
        raise NoBrowser(MISSING)
    return found


@asynccontextmanager
async def chromium(path: str) -> AsyncIterator[Browser]:
    """A headless Chromium (no sandbox: CI runs as root), closed on the way out."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=path, headless=True, chromium_sandbox=False
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def new_page(browser: Browser, base_url: str, **options: Any) -> AsyncIterator[Page]:
    """A page in a fresh context (own cookies): relative URLs go to `base_url`."""
    context = await browser.new_context(base_url=base_url, locale="tr-TR", **options)
    try:
        yield await context.new_page()
    finally:
        await context.close()


@asynccontextmanager
async def serve(app: Any, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serves an ASGI app with uvicorn in this event loop on a free port; its base URL."""
    sock = _listen(host, 0)
    server = _uvicorn(app, PANEL_CONNECTIONS)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        sock.close()


async def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Signs in through the form, as a person would, and waits to leave the sign-in page."""
    await page.goto("/signin")
    await page.get_by_label("E-posta", exact=True).fill(email)
    await page.get_by_label("Şifre", exact=True).fill(password)
    await page.get_by_role("button", name="Giriş yap").click()
    await page.wait_for_url(lambda url: "/signin" not in url)


@asynccontextmanager
async def with_telegram(
    tmp_path: Path, seeded_db: Path
) -> AsyncIterator[tuple[TelegramDouble, Rig, str]]:
    """A panel rig whose program talks to a Telegram double: the double, the rig and the panel's
    address (the program itself is started by `program`, once the test has set up its data)."""
    panel_port = free_port()
    async with (
        TelegramDouble() as tg,
        panel_rig(
            tmp_path,
            seeded_db,
            telegram_token=tg.token,
            telegram_api_url=tg.api_url,
            http_port=str(free_port()),
            panel_port=str(panel_port),
            quiet_hours="",  # pushes go out at once, whatever the hour
        ) as rig,
    ):
        yield tg, rig, f"http://127.0.0.1:{panel_port}"


@asynccontextmanager
async def program(rig: Rig, tg: TelegramDouble) -> AsyncIterator[None]:
    """`meslek-bot run` on the rig's settings, up (polling the double) inside; stopped cleanly
    (exit code 0) on the way out."""
    stop = asyncio.Event()
    running = asyncio.create_task(run(rig.settings, stop=stop))
    try:
        # the panel listens before the channels start; polling means everything is up
        await tg.wait_for(lambda: tg.calls_to("getUpdates") or running.done())
        assert not running.done(), running.result()
        yield
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 30) == 0
