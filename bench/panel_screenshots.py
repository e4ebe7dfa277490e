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
import random
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from playwright.async_api import Browser
from sqlalchemy import insert, update

from bot import announcements, inbox
from bot.app import open_database
from bot.decisions import decide
from bot.panel.passwords import hash_password
from core.conversation import Said
from locales import load_translator
from storage import staff_store, unanswered
from storage import tables as t
from storage.announcements import Audience
from storage.repos import SqlStore
from tests.bot.conftest import make_settings
from tests.course_setup import enrol
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
    Shot("inbox", "/inbox"),
    Shot("conversation", "/inbox/{thread}"),
    Shot("unanswered", "/unanswered"),
    Shot("unanswered-group", "/unanswered/{group}"),
    Shot("announcement-report", "/announcements/report?key={announcement}"),
    Shot("dashboard", "/dashboard"),
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
    values = {"number": numbers["waitlisted"], "course": courses[0][0]}
    values["thread"] = await _conversations(rig, centres)
    values["group"] = await _unanswered(rig)
    values["announcement"] = await _announcement(rig, courses[0][0])
    await _traffic(rig)
    return values


# What the first citizen asked the assistant before asking for a person (as the engine keeps
# it: every digit masked).
BEFORE = [
    (True, "kurs bitince belge veriliyor mu"),
    (False, "Kursu başarıyla bitirenlere MEB onaylı kurs bitirme belgesi verilir."),
    (True, "belgem e-devlette görünür mü kimlik no ###########"),
    (False, "Bunu tam anlayamadım. Kurslar, başvuru ya da merkezler hakkında sorabilirsiniz."),
]
QUESTIONS = [
    ("telegram:5101", "Kurs belgesi e-Devlet'te görünüyor mu? Kimlik no 12345678901"),
    ("whatsapp:905321234567", "Merhaba, çocuğum için kreş var mı kurs saatlerinde?"),
    ("telegram:5102", "Başvurum hâlâ bekliyor, ne zaman sonuç çıkar?"),
]


async def _conversations(rig: Rig, centres: list[str]) -> str:
    """Three conversations handed to a person, one answered; the id of the answered one."""
    ids = []
    for n, (user, text) in enumerate(QUESTIONS):
        rig.advance(timedelta(minutes=23))
        async with rig.db.write() as conn:
            store = SqlStore(conn, rig.vault, rig.clock())
            await store.touch_user(user)
            said = [] if n else [Said(rig.clock() - timedelta(minutes=2), *b) for b in BEFORE]
            where = centres[n % 2] if n else None
            thread = await store.open_handoff(user, where, "Barista", said)
            await store.handoff_note(thread, user, text)
            ids.append(thread)
    rig.advance(timedelta(minutes=5))
    async with rig.db.write() as conn:
        answer = "Evet, kurs bitince belgeniz e-Devlet'te görünür; birkaç gün sürebilir."
        await inbox.answer(conn, rig.vault, rig.clock(), None, ids[0], answer, actor=STAFF[0])
    rig.advance(timedelta(minutes=3))
    async with rig.db.write() as conn:
        store = SqlStore(conn, rig.vault, rig.clock())
        await store.handoff_note(ids[0], QUESTIONS[0][0], "Teşekkür ederim, anladım.")
    return str(ids[0])


MISSED = [
    ("dron pilotluğu kursu var mı", "no_course", 6),
    ("kurs sırasında harçlık veriliyor mu", "fallback", 4),
    ("servis var mı merkeze", "fallback", 3),
    ("online ders var mı", "repeated", 2),
    ("yapay zeka kursu açılacak mı", "no_course", 2),
]


async def _unanswered(rig: Rig) -> str:
    """The questions of MISSED, grouped; the id of the one an answer in the FAQ would settle."""
    for text, reason, times in MISSED:
        for n in range(times):
            rig.advance(timedelta(minutes=11))
            wording = text if n % 2 else text.capitalize() + "?"
            async with rig.db.write() as conn:
                await SqlStore(conn, rig.vault, rig.clock()).note_unanswered(
                    f"telegram:{6000 + n}", wording, reason
                )
    async with rig.db.read() as conn:
        groups = await unanswered.groups(conn)
    return next(str(g["id"]) for g in groups if "harçlık" in str(g["text"]))


async def _announcement(rig: Rig, course: str) -> str:
    """An announcement to one course, its rows ended as the dispatcher would; its key."""
    users = [f"telegram:{7000 + n}" for n in range(14)] + [
        f"whatsapp:9053200070{n:02d}" for n in range(6)
    ]
    await enrol(rig.db, course, users)
    async with rig.db.write() as conn:
        plan = await announcements.plan(
            conn, load_translator(), "tr", rig.clock(), Audience("course", course),
            "Cuma günkü ders 19.00'da başlayacak.", {},
        )  # fmt: skip
        key, _ = await announcements.send(conn, rig.clock(), plan, actor=STAFF[0])
        o = t.outbox.c
        ended = {7000: ("skipped", "blocked"), 7001: ("failed", "timeout")}
        for n in range(14):
            status, error = ended.get(7000 + n, ("sent", ""))
            await conn.execute(
                update(t.outbox)
                .where(o.user_key == f"telegram:{7000 + n}", o.kind == "announcement")
                .values(status=status, last_error=error)
            )
        for n in range(6):
            status, error = ("sent", "") if n < 2 else ("skipped", "skipped_window")
            await conn.execute(
                update(t.outbox)
                .where(o.user_key == f"whatsapp:9053200070{n:02d}")
                .values(status=status, last_error=error)
            )
    return key


async def _traffic(rig: Rig) -> None:
    """Two weeks of messages and reminders for the dashboard."""
    rng = random.Random(3)
    now = rig.clock()
    rows = [
        {"user_key": f"{ch}:{rng.randrange(5000)}", "message_id": f"shot{day}-{n}",
         "processed_at": now - timedelta(days=day, minutes=rng.randrange(600))}
        for day in range(14)
        for n, ch in enumerate(
            ["telegram"] * rng.randrange(120, 260) + ["whatsapp"] * rng.randrange(60, 180)
        )
    ]  # fmt: skip
    outcomes = [("sent", "")] * 40 + [("failed", "x")] * 2 + [("skipped", "blocked")] * 3
    reminders = [
        {"user_key": f"telegram:{8000 + n}", "kind": "reminder", "payload": "{}",
         "dedupe_key": f"shot-r{n}", "status": s, "last_error": e,
         "due_at": now - timedelta(hours=n), "created_at": now - timedelta(hours=n + 1)}
        for n, (s, e) in enumerate(outcomes)
    ]  # fmt: skip
    async with rig.db.write() as conn:
        await conn.execute(insert(t.processed_messages), rows)
        await conn.execute(insert(t.outbox), reminders)


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
