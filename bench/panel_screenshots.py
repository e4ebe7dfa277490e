"""Screenshots of the staff panel for the README, taken in headless Chromium.

Run by hand from the project root: `PYTHONPATH=. python bench/panel_screenshots.py [--out DIR]`.
Serves the panel over HTTP on a temporary copy of the sample database holding a few applications
(some decided) and one admin, and saves a full-page PNG of each page in PAGES at a desktop width
and a phone width into docs/panel/ (`<page>-desktop.png`, `<page>-phone.png`). Needs Debian's
`chromium` (`sudo apt-get install chromium`) or MF_CHROMIUM. A new page is one line in PAGES.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from playwright.async_api import Browser

from bot.app import open_database
from bot.decisions import decide
from bot.panel.passwords import hash_password
from storage import staff_store
from tests.bot.conftest import make_settings
from tests.panel.browser.served import (
    NoBrowser,
    chromium,
    chromium_path,
    new_page,
    serve,
    sign_in,
)
from tests.panel.rig import PASSWORD, Rig, panel_rig

ROOT = Path(__file__).resolve().parent.parent
STAFF = ("ayse.yilmaz@meslekfabrikasi.example", "Ayşe Yılmaz")


@dataclass(frozen=True)
class Shot:
    name: str
    path: str  # may name a sample value: {number} is the application shown on its own
    signed_in: bool = True


PAGES = [
    Shot("signin", "/signin", signed_in=False),
    Shot("home", "/"),
    Shot("applications", "/applications"),
    Shot("application", "/applications/{number}"),
    Shot("courses", "/courses"),
    Shot("course", "/courses/{course}"),
    Shot("uploads", "/uploads"),
    Shot("audit", "/audit"),
]
# name: (width, height) in CSS pixels; the screenshots take the whole page's height.
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}

APPLICANTS = [
    ("Zeynep Kaya", None),
    ("Mehmet Yılmaz", "accepted"),
    ("Elif Demir", "waitlisted"),
    ("Ahmet Çelik", None),
    ("Ayşe Şahin", "rejected"),
    ("Emre Aydın", None),
    ("Fatma Öztürk", "accepted"),
    ("Burak Arslan", None),
    ("İrem Koç", None),
]


async def _seed(folder: Path) -> Path:
    """The sample database, as a fresh install creates it."""
    db, _ = await open_database(make_settings(folder))
    await db.dispose()
    path = folder / "data" / "meslek.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


async def _fill(rig: Rig) -> dict[str, str]:
    """A few applications over two days at two centres, some decided; the sample values."""
    async with rig.db.write() as conn:
        await staff_store.add_staff(
            conn,
            email=STAFF[0],
            name=STAFF[1],
            role="admin",
            centres=(),
            password_hash=hash_password(PASSWORD),
            must_change=False,
            now=rig.clock(),
        )
    centres = (await rig.centres())[:2]
    courses = [await rig.course_at(c, skip) for c in centres for skip in (0, 1)]
    rig.advance(-timedelta(days=2))
    numbers: dict[str, str] = {}
    for n, (name, decision) in enumerate(APPLICANTS):
        rig.advance(timedelta(hours=4, minutes=17))
        number = await rig.apply(*courses[n % len(courses)], name=name)
        if decision:
            numbers[decision] = number
            reason = "Kontenjan doldu." if decision == "rejected" else ""
            async with rig.db.write() as conn:
                await decide(
                    conn,
                    rig.vault,
                    rig.clock() + timedelta(minutes=40),
                    number,
                    decision,
                    actor=STAFF[0],
                    reason=reason,
                    address="10.20.30.40",
                )
    rig.advance(timedelta(hours=1))
    return {"number": numbers["waitlisted"], "course": courses[0][0]}


async def _shoot(browser: Browser, url: str, values: dict[str, str], out: Path) -> list[Path]:
    saved = []
    for label, (width, height) in WIDTHS.items():
        viewport = {"width": width, "height": height}
        async with new_page(browser, url, viewport=viewport) as page:
            signed_in = False
            for shot in PAGES:
                if shot.signed_in and not signed_in:
                    await sign_in(page, STAFF[0])
                    signed_in = True
                await page.goto(shot.path.format(**values))
                target = out / f"{shot.name}-{label}.png"
                await page.screenshot(path=target, full_page=True)
                saved.append(target)
    return saved


async def take(path: str, out: Path) -> list[Path]:
    """Serves the sample panel and saves the screenshots; the files written."""
    with tempfile.TemporaryDirectory(prefix="panel-shots-") as tmp:
        seed = await _seed(Path(tmp) / "seed")
        async with panel_rig(Path(tmp) / "panel", seed) as rig:
            values = await _fill(rig)
            async with serve(rig.app) as url, chromium(path) as browser:
                return await _shoot(browser, url, values, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "panel")
    out = parser.parse_args().out.resolve()
    try:
        path = chromium_path()
    except NoBrowser as exc:
        raise SystemExit(str(exc)) from None
    out.mkdir(parents=True, exist_ok=True)
    for target in asyncio.run(take(path, out)):
        print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)


if __name__ == "__main__":
    main()
