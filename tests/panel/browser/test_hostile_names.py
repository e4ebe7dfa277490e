"""A citizen's name that looks like markup or a formula stays text: on screen and in exports."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook
from playwright.async_api import Page, expect

from tests.panel.browser.conftest import Served
from tests.panel.browser.served import sign_in

SCRIPT = "<script>window.__pwned=1</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'


async def _download(page: Page, link: str, into: Path) -> Path:
    async with page.expect_download() as started:
        await page.get_by_role("link", name=link, exact=True).click()
    download = await started.value
    assert download.suggested_filename.startswith("basvurular-")
    target = into / download.suggested_filename
    await download.save_as(target)
    return target


async def test_hostile_names_are_text_in_pages_and_exports(
    page: Page, served: Served, tmp_path: Path
) -> None:
    rig = served.rig
    course, branch = await rig.course_at((await rig.centres())[0])
    scripted = await rig.apply(course, branch, name=SCRIPT)
    formula = await rig.apply(course, branch, name=FORMULA)
    await rig.add_staff("ayse@mf.test")
    await sign_in(page, "ayse@mf.test")

    await page.goto("/applications")
    table = page.locator("table")
    await expect(table.get_by_role("row").filter(has_text=scripted)).to_contain_text(SCRIPT)
    await expect(table.get_by_role("row").filter(has_text=formula)).to_contain_text(FORMULA)
    assert await page.locator("main script").count() == 0
    assert await page.evaluate("typeof window.__pwned") == "undefined"

    for number, name in ((scripted, SCRIPT), (formula, FORMULA)):
        await page.goto(f"/applications/{number}")
        await expect(page.locator("dl.facts dd").first).to_have_text(name)
        assert await page.locator("main script").count() == 0
        assert await page.evaluate("typeof window.__pwned") == "undefined"

    await page.goto("/applications")
    as_csv = await _download(page, "CSV", tmp_path)
    with as_csv.open(encoding="utf-8-sig", newline="") as f:
        names = {row["number"]: row["full_name"] for row in csv.DictReader(f)}
    assert names == {scripted: SCRIPT, formula: "'" + FORMULA}

    as_xlsx = await _download(page, "Excel", tmp_path)
    book = load_workbook(as_xlsx)
    try:
        sheet = book.active
        assert sheet is not None
        header = [c.value for c in sheet[1]]
        column = header.index("full_name")
        cells = {row[0].value: row[column] for row in sheet.iter_rows(min_row=2)}
    finally:
        book.close()
    assert {n: c.value for n, c in cells.items()} == {scripted: SCRIPT, formula: "'" + FORMULA}
    assert {c.data_type for c in cells.values()} == {"s"}  # strings, never formulas
    assert [r.detail["format"] for r in await rig.audit("export")] == ["xlsx", "csv"]
