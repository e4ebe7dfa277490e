"""Browser tests: a real Chromium against the panel served over HTTP.

Fixtures: `browser` (one headless Chromium per module), `served` (a fresh panel rig served by
uvicorn on a free 127.0.0.1 port: `served.rig`, `served.url`) and `page` (a fresh browser context
on `served.url`; relative URLs work). Every async test in this folder runs in its module's event
loop (set below), the loop the browser lives in; a new test module needs nothing more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from tests.panel.browser.served import NoBrowser, chromium, chromium_path, new_page, serve, skipping
from tests.panel.rig import Rig, panel_rig

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    module_loop = pytest.mark.asyncio(loop_scope="module")
    for item in items:
        if item.path.is_relative_to(HERE) and pytest_asyncio.is_async_test(item):
            item.add_marker(module_loop, append=False)


@dataclass
class Served:
    rig: Rig
    url: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    if skipping():
        pytest.skip("MF_SKIP_BROWSER=1: browser tests skipped")
    try:
        path, missing = chromium_path(), ""
    except NoBrowser as exc:
        path, missing = "", str(exc)
    if missing:  # failed outside the `except`, so the message stands alone
        pytest.fail(missing, pytrace=False)
    async with chromium(path) as found:
        yield found


@pytest_asyncio.fixture(loop_scope="module")
async def served(tmp_path: Path, seeded_db: Path) -> AsyncIterator[Served]:
    async with panel_rig(tmp_path, seeded_db) as rig, serve(rig.app) as url:
        yield Served(rig, url)


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, served: Served) -> AsyncIterator[Page]:
    async with new_page(browser, served.url) as opened:
        yield opened
