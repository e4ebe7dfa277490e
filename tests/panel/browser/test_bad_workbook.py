"""A bad workbook uploaded in the browser: its problems in a table on the page, nothing changed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import Page, expect

from storage.catalog_repo import catalog_stats
from storage.session_changes import catalog_version
from tests.panel.browser.conftest import Served
from tests.panel.browser.served import sign_in
from tests.panel.test_uploads import course_row, with_courses


async def test_a_bad_workbook_shows_its_problems_and_changes_nothing(
    page: Page, served: Served, tmp_path: Path
) -> None:
    rig = served.rig
    first = (await rig.centres())[0]
    _, branch = await rig.course_at(first)
    await rig.add_staff("ayse@mf.test")
    await sign_in(page, "ayse@mf.test")
    await page.goto("/uploads")
    async with page.expect_download() as got:
        await page.get_by_role("link", name="katalog şablonu", exact=False).click()
    template = await asyncio.to_thread(Path(await (await got.value).path()).read_bytes)
    workbook = tmp_path / "katalog.xlsx"
    bad = with_courses(
        template,
        course_row("yeni-kurs-1", branch, "olmayan-merkez"),
        course_row("yeni-kurs-2", branch, first, starts="31.02.2027"),
    )
    await asyncio.to_thread(workbook.write_bytes, bad)
    async with rig.db.read() as conn:
        version = await catalog_version(conn)
    before = await catalog_stats(rig.db)

    await page.get_by_label("Katalog dosyası").set_input_files(workbook)
    await page.get_by_role("button", name="Yükle ve önizle").first.click()

    problems = page.locator("table.problems")
    await expect(problems).to_be_visible()
    await expect(problems.locator("tbody tr")).to_have_count(2)
    first_row = problems.locator("tbody tr").nth(0)
    await expect(first_row).to_contain_text("katalog.xlsx")
    await expect(first_row).to_contain_text("Kurslar")
    await expect(problems).to_contain_text("olmayan-merkez")
    await expect(page.get_by_role("button", name="Onayla ve yükle")).to_have_count(0)
    assert await catalog_stats(rig.db) == before
    async with rig.db.read() as conn:
        assert await catalog_version(conn) == version
