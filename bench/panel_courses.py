"""Timing check: the panel's course list with 5,000 courses and 50,000 applications.

Run from the repository root:

    PYTHONPATH=. python bench/panel_courses.py [--courses 5000] [--applications 50000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1/postgres] [--runs 60]

Builds a fresh database (SQLite in a temporary folder; with --postgres, a throwaway database on
that server, dropped afterwards): the sample catalog, its courses repeated under new ids up to
--courses, --applications applications spread over them (every status), one desk enrolment in
ten courses. Then requests pages through the panel's ASGI app (sign-in cookie, templates, all)
and prints p50 / p95 / max milliseconds per page. Target: p95 <= 150 ms for /courses.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, select

from bot.panel.app import build_panel_app, panel_config
from bot.panel.passwords import hash_password
from bot.settings import load_settings
from storage import staff_store
from storage import tables as t
from storage.catalog_repo import import_catalog
from storage.crypto import IdVault
from storage.db import Database
from storage.migrate import upgrade
from storage.sample.generate import build_sample_catalog
from tests.dbutil import fresh_postgres_url
from tests.panel.rig import PASSWORD, sign_in

TZ = ZoneInfo("Europe/Istanbul")
KEY = "bench-data-key-0123456789"
STATUSES = ("pending", "pending", "waitlisted", "accepted", "accepted", "rejected", "cancelled")


@asynccontextmanager
async def database(postgres: str | None) -> AsyncIterator[Database]:
    if postgres:
        async with fresh_postgres_url(postgres) as url:
            db = Database(url)
            try:
                await upgrade(db)
                yield db
            finally:
                await db.dispose()
        return
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        try:
            await upgrade(db)
            yield db
        finally:
            await db.dispose()


async def fill(db: Database, courses: int, applications: int) -> tuple[str, str]:
    """The data; returns (a centre id, a course id at it)."""
    now = datetime.now(UTC)
    await import_catalog(db, build_sample_catalog(now.astimezone(TZ).date(), TZ))
    rng = random.Random(7)
    vault = IdVault(KEY)
    sealed, hashed = vault.encrypt("10000000146"), vault.hash("10000000146")
    async with db.write() as conn:
        base = [dict(r) for r in (await conn.execute(select(t.courses))).mappings()]
        extra = [
            {**base[i % len(base)], "id": f"{base[i % len(base)]['id']}-x{i:05d}"}
            for i in range(max(courses - len(base), 0))
        ]
        for start in range(0, len(extra), 1000):
            await conn.execute(insert(t.courses), extra[start : start + 1000])
        ids = [(c["id"], c["branch_id"]) for c in base + extra]
        rows = []
        for n in range(applications):
            course, branch = rng.choice(ids)
            at = now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
            rows.append(
                {
                    "number": f"MF-{at.year}-{n + 1:06d}",
                    "user_key": f"telegram:{1_000_000 + n}",
                    "channel": "telegram",
                    "course_id": course,
                    "branch_id": branch,
                    "full_name": f"Başvuran {n}",
                    "national_id_enc": sealed,
                    "national_id_hash": hashed,
                    "birth_date": date(1990, 1, 1),
                    "phone": f"+90532{n:07d}",
                    "district": "Buca",
                    "status": rng.choice(STATUSES),
                    "consent_at": at,
                    "created_at": at,
                    "updated_at": at,
                }
            )
        for start in range(0, len(rows), 2000):
            await conn.execute(insert(t.applications), rows[start : start + 2000])
        desk = [
            {
                "course_id": course,
                "full_name": "Masa Kaydı",
                "phone": "+905320000000",
                "source": "desk",
                "created_at": now,
            }
            for course, _ in ids[::10]
        ]
        await conn.execute(insert(t.enrolments), desk)
        await staff_store.add_staff(
            conn, email="admin@mf.test", name="Admin", role="admin", centres=(),
            password_hash=hash_password(PASSWORD), must_change=False, now=now,
        )  # fmt: skip
        centre = str(base[0]["center_id"])
        await staff_store.add_staff(
            conn, email="centre@mf.test", name="Merkez", role="centre", centres=(centre,),
            password_hash=hash_password(PASSWORD), must_change=False, now=now,
        )  # fmt: skip
    return centre, str(base[0]["id"])


async def timed(client: httpx.AsyncClient, path: str, params: dict[str, str], runs: int) -> str:
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        response = await client.get(path, params=params)
        spent.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:500]
    spent.sort()
    p95 = spent[int(len(spent) * 0.95) - 1]
    return f"p50 {statistics.median(spent):6.1f}  p95 {p95:6.1f}  max {spent[-1]:6.1f} ms"


async def main(args: argparse.Namespace) -> None:
    async with database(args.postgres) as db:
        started = time.perf_counter()
        centre, course = await fill(db, args.courses, args.applications)
        print(
            f"{db.engine.dialect.name}: {args.courses} courses, {args.applications} "
            f"applications, filled in {time.perf_counter() - started:.1f} s"
        )
        settings = load_settings(database_url=str(db.engine.url), data_key=KEY)
        app = build_panel_app(db, IdVault(KEY), settings, panel_config(settings, KEY))
        pages = [
            ("admin", "/courses", {}),
            ("admin", "/courses", {"page": str(args.courses // 50 // 2)}),
            ("admin", "/courses", {"q": "bilgisayar"}),
            ("admin", "/courses", {"status": "open", "since": date.today().isoformat()}),
            ("centre", "/courses", {}),
            ("admin", f"/courses/{course}", {}),
        ]
        for who in ("admin", "centre"):
            transport = httpx.ASGITransport(app=app, client=("10.0.0.5", 5555))
            async with httpx.AsyncClient(transport=transport, base_url="http://panel") as client:
                await sign_in(client, f"{who}@mf.test")
                for reader, path, params in pages:
                    if reader != who:
                        continue
                    await client.get(path, params=params)  # warm up
                    result = await timed(client, path, params, args.runs)
                    print(f"  {who:<6} {path[:40]:<40} {params!s:<45} {result}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=5000)
    parser.add_argument("--applications", type=int, default=50_000)
    parser.add_argument("--postgres", default=None, help="a server URL; a throwaway db is made")
    parser.add_argument("--runs", type=int, default=60)
    asyncio.run(main(parser.parse_args()))
