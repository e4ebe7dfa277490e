"""Staff panel server times with 50,000 applications and 5,000 courses, SQLite and PostgreSQL.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres, for its half):

    PYTHONPATH=. python bench/panel.py [--db sqlite|postgres|both] [--applications 50000]
                                       [--courses 5000] [--reps 30] [--turns 1000000]
                                       [--trainees 150000] [--conversations 2000]

Builds each database once: the sample catalog's fields, branches and centres, its courses
repeated under new ids up to --courses (sessions generated), and --applications applications
spread over the courses, statuses and the last 90 days. Then it signs in (an admin, and centre
staff of two centres) and times requests through the panel's ASGI application in this process:
the time from request to complete response, i.e. server time without the network. Each case
runs --reps times after 3 warm-ups; p50, p95 and max are printed in milliseconds. The target is
p95 <= 150 ms for the applications list (any filter) and a course page; a 5,000-course workbook
upload validates and previews in <= 20 s.

Then a year of data (bench/panel_year.py): --turns message ids, --trainees desk enrolments with
two reminders each (sent, failed, blocked), 2% of the turns as unanswered texts, answers for
today's sessions and --conversations open inbox conversations. Target: the inbox and the
dashboard p95 <= 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, make_url, select
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette

from bench.panel_year import fill_year
from bench.upload_preview import build_workbook
from bot.panel.app import build_panel_app, panel_config
from bot.panel.passwords import hash_password
from bot.settings import load_settings
from core.catalog import Catalog
from core.checks import search_key
from storage import staff_store
from storage import tables as t
from storage.catalog_repo import import_catalog
from storage.crypto import IdVault
from storage.db import Database
from storage.migrate import upgrade
from storage.sample.generate import build_sample_catalog
from storage.schedule import generate_sessions
from tests.idnumbers import make_national_id

TZ = ZoneInfo("Europe/Istanbul")
SECRET = "bench-data-key-0123456789"
PASSWORD = "bench-sifre-12345"
PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
FIRST = ["Ayşe", "Fatma", "Zeynep", "Elif", "Emine", "Merve", "Mehmet", "Mustafa", "Ahmet", "Can"]
LAST = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Arslan", "Koç"]
STATUSES = ["pending"] * 12 + ["waitlisted"] * 2 + ["accepted"] * 3 + ["rejected", "cancelled"]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def catalog_of(courses: int) -> Catalog:
    sample = build_sample_catalog(date.today(), TZ)
    listed = [
        replace(c, id=f"{c.id}-{i // len(sample.courses):03d}")
        for i, c in enumerate(sample.courses * (courses // len(sample.courses) + 1))
    ][:courses]
    sessions = [s for c in listed for s in generate_sessions(c, TZ)]
    return Catalog(sample.fields, sample.branches, sample.centers, listed, sessions)


async def fill(db: Database, courses: int, applications: int) -> dict[str, str]:
    """The catalog and the applications; returns sample values the cases search for."""
    await upgrade(db)
    catalog = catalog_of(courses)
    t0 = time.perf_counter()
    await import_catalog(db, catalog)
    print(
        f"  catalog: {len(catalog.courses)} courses, {len(catalog.sessions)} sessions in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    vault = IdVault(SECRET)
    ids = [make_national_id(f"{100000000 + n * 7919:09d}"[:9]) for n in range(200)]
    sealed = [(vault.encrypt(i), vault.hash(i)) for i in ids]
    rng = random.Random(7)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    rows = []
    for n in range(1, applications + 1):
        course = rng.choice(catalog.courses)
        enc, hashed = sealed[n % len(sealed)]
        created = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        rows.append(
            {
                "id": n,
                "number": f"MF-2026-{n:06d}",
                "user_key": f"telegram:{100000 + n}",
                "channel": "telegram",
                "course_id": course.id,
                "branch_id": course.branch,
                "full_name": name,
                "name_key": search_key(name),
                "national_id_enc": enc,
                "national_id_hash": hashed,
                "birth_date": date(1990, 1, 1) + timedelta(days=rng.randrange(8000)),
                "phone": f"+90532{n:07d}",
                "district": course.center,
                "status": rng.choice(STATUSES),
                "consent_at": created,
                "created_at": created,
                "updated_at": created,
            }
        )
    for start in range(0, len(rows), 5_000):
        async with db.write() as conn:
            await conn.execute(insert(t.applications), rows[start : start + 5_000])
    enrolments = [
        {"course_id": r["course_id"], "user_key": r["user_key"], "full_name": r["full_name"],
         "phone": r["phone"], "national_id_enc": r["national_id_enc"],
         "national_id_hash": r["national_id_hash"], "application_id": r["id"],
         "source": "application", "created_at": now}
        for r in rows
        if r["status"] == "accepted"
    ]  # fmt: skip
    for start in range(0, len(enrolments), 5_000):
        async with db.write() as conn:
            await conn.execute(insert(t.enrolments), enrolments[start : start + 5_000])
    print(
        f"  applications: {applications} ({len(enrolments)} accepted, enrolled) in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    async with db.write() as conn:
        for email, role, centres in (
            ("admin@bench.test", "admin", ()),
            ("merkez@bench.test", "centre", (catalog.centers[0].id, catalog.centers[1].id)),
        ):
            await staff_store.add_staff(
                conn,
                email=email,
                name=email,
                role=role,
                centres=centres,
                password_hash=hash_password(PASSWORD),
                must_change=False,
                now=now,
            )
        if db.is_sqlite:
            await conn.exec_driver_sql("ANALYZE")
    if not db.is_sqlite:
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
    middle = rows[len(rows) // 2]
    return {
        "course": str(middle["course_id"]),
        "centre": catalog.centers[2].id,
        "number": str(middle["number"]),
        "phone": str(middle["phone"])[-10:],
        "national_id": ids[3],
        "since": (now - timedelta(days=30)).astimezone(TZ).date().isoformat(),
        "until": (now - timedelta(days=15)).astimezone(TZ).date().isoformat(),
    }


async def signed_in(app: Starlette, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("10.1.2.3", 1000)),
        base_url="http://panel.bench",
    )
    page = await client.get("/signin")
    found = _CSRF.search(page.text)
    assert found
    done = await client.post(
        "/signin", data={"email": email, "password": PASSWORD, "csrf": found.group(1)}
    )
    assert done.status_code == 303, done.text
    return client


async def timed(client: httpx.AsyncClient, url: str, reps: int) -> list[float]:
    for _ in range(3):
        response = await client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        response = await client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    return out


def _line(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"  {name:<44} p50 {statistics.median(ms):7.1f}  p95 {p95:7.1f}  max {ms[-1]:7.1f} ms"


def has_route(app: Starlette, path: str) -> bool:
    return any(getattr(r, "path", None) == path for r in app.routes)


async def measure(db: Database, args: argparse.Namespace) -> None:
    values = await fill(db, args.courses, args.applications)
    values.update(
        await fill_year(
            db, turns=args.turns, trainees=args.trainees, conversations=args.conversations
        )
    )
    if db.is_sqlite:
        async with db.write() as conn:
            await conn.exec_driver_sql("ANALYZE")
    else:
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
    settings = load_settings(data_key=SECRET, database_url=db.url)
    app = build_panel_app(db, IdVault(SECRET), settings, panel_config(settings, SECRET))
    admin = await signed_in(app, "admin@bench.test")
    centre = await signed_in(app, "merkez@bench.test")
    v = values
    cases: list[tuple[str, httpx.AsyncClient, str]] = [
        ("applications, no filter", admin, "/applications"),
        ("applications, status=pending", admin, "/applications?status=pending"),
        ("applications, centre", admin, f"/applications?centre={v['centre']}"),
        ("applications, course", admin, f"/applications?course={v['course']}"),
        ("applications, 15-day range", admin,
         f"/applications?since={v['since']}&until={v['until']}"),
        ("applications, all filters", admin,
         f"/applications?centre={v['centre']}&status=pending&since={v['since']}&q=ay"),
        ("applications, search name 'yılmaz'", admin, "/applications?q=y%C4%B1lmaz"),
        ("applications, search number", admin, f"/applications?q={v['number']}"),
        ("applications, search phone", admin, f"/applications?q=0{v['phone']}"),
        ("applications, search T.C. no", admin, f"/applications?q={v['national_id']}"),
        ("applications, page 500", admin, "/applications?page=500"),
        ("applications, centre staff", centre, "/applications"),
        ("applications, centre staff, status", centre, "/applications?status=accepted"),
        ("one application", admin, f"/applications/{v['number']}"),
    ]  # fmt: skip
    if has_route(app, "/courses"):
        cases += [
            ("courses, no filter", admin, "/courses"),
            ("courses, centre staff", centre, "/courses"),
            ("course page", admin, f"/courses/{v['course']}"),
        ]
    cases += [
        (f"inbox, {args.conversations} open", admin, "/inbox"),
        ("inbox, centre staff", centre, "/inbox"),
        ("one conversation", admin, f"/inbox/{v['thread']}"),
        ("dashboard (a year of data)", admin, "/dashboard"),
        ("dashboard, centre staff", centre, "/dashboard"),
        ("unanswered questions", admin, "/unanswered"),
        ("announcements", admin, "/announcements"),
    ]
    for name, client, url in cases:
        print(_line(name, await timed(client, url, args.reps)), flush=True)
    await admin.aclose()
    await centre.aclose()


@asynccontextmanager
async def database(kind: str) -> AsyncIterator[Database]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
            try:
                yield db
            finally:
                await db.dispose()
        return
    name = f"mf_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db = Database(make_url(PG_BASE).set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        await db.dispose()
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def upload(args: argparse.Namespace) -> None:
    """The 5,000-course workbook through the panel's upload page (when it exists)."""
    async with database("sqlite") as db:
        await upgrade(db)
        settings = load_settings(data_key=SECRET, database_url=db.url)
        app = build_panel_app(db, IdVault(SECRET), settings, panel_config(settings, SECRET))
        if not has_route(app, "/uploads/catalog"):
            print("  (no /uploads/catalog route yet)")
            return
        async with db.write() as conn:
            await staff_store.add_staff(
                conn, email="admin@bench.test", name="admin", role="admin", centres=(),
                password_hash=hash_password(PASSWORD), must_change=False, now=datetime.now(UTC),
            )  # fmt: skip
        data, count = build_workbook(args.courses)
        client = await signed_in(app, "admin@bench.test")
        page = await client.get("/uploads")
        found = _CSRF.search(page.text)
        assert found
        t0 = time.perf_counter()
        response = await client.post(
            "/uploads/catalog",
            data={"csrf": found.group(1)},
            files={"file": ("katalog.xlsx", data, "application/octet-stream")},
        )
        took = time.perf_counter() - t0
        await client.aclose()
        print(f"  upload of a {count}-course workbook ({len(data) / 1e6:.1f} MB): validated and "
              f"previewed in {took:.2f} s (HTTP {response.status_code})")  # fmt: skip
        async with db.read() as conn:
            assert (await conn.execute(select(t.courses.c.id).limit(1))).first() is None


async def main_async(args: argparse.Namespace) -> None:
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        print(f"{kind}: {args.courses} courses, {args.applications} applications")
        async with database(kind) as db:
            await measure(db, args)
    print("upload (SQLite):")
    await upload(args)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--applications", type=int, default=50_000)
    parser.add_argument("--courses", type=int, default=5_000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--trainees", type=int, default=150_000)
    parser.add_argument("--conversations", type=int, default=2_000)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
