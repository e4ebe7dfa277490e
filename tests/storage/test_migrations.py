"""Migrations: an empty database and one holding data from the previous head reach head."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from storage import tables as t
from storage.migrate import current_revision, head_revision, upgrade
from tests.dbutil import fresh_database, postgres_base_url

KINDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            postgres_base_url() is None, reason="PostgreSQL skipped: MF_TEST_DATABASE_URL not set"
        ),
    ),
]


@pytest.mark.parametrize("kind", KINDS)
async def test_empty_database_upgrades_to_head(kind: str, tmp_path: Path) -> None:
    async with fresh_database(kind, tmp_path, migrate=False) as db:
        assert await current_revision(db) is None
        before, after = await upgrade(db)
        assert (before, after) == (None, head_revision())
        assert await upgrade(db) == (head_revision(), head_revision())  # idempotent


@pytest.mark.parametrize("kind", KINDS)
async def test_data_from_first_revision_survives_upgrade(kind: str, tmp_path: Path) -> None:
    async with fresh_database(kind, tmp_path, migrate=False) as db:
        await upgrade(db, "0001_catalog")
        starts = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
        async with db.write() as conn:
            await conn.execute(insert(t.fields), [{"id": "f", "name": "Alan"}])
            await conn.execute(
                insert(t.branches),
                [{"id": "b", "field_id": "f", "name": "Branş", "hours": 10, "min_age": 16}],
            )
            await conn.execute(
                insert(t.centers),
                [{"id": "c", "name": "Merkez", "district": "Buca", "lat": 38.0, "lon": 27.0}],
            )
            await conn.execute(
                insert(t.courses),
                [
                    {
                        "id": "k",
                        "branch_id": "b",
                        "center_id": "c",
                        "capacity": 12,
                        "starts_on": date(2026, 12, 1),
                        "ends_on": date(2026, 12, 30),
                        "weekdays": "mon,wed",
                        "start_time": time(18, 30),
                        "end_time": time(21, 30),
                    }
                ],
            )
            await conn.execute(
                insert(t.sessions),
                [{"id": "k-1", "course_id": "k", "starts_at": starts, "ends_at": starts}],
            )
        await upgrade(db)
        assert await current_revision(db) == head_revision()
        async with db.read() as conn:
            assert (await conn.execute(select(func.count()).select_from(t.courses))).scalar() == 1
            got = (await conn.execute(select(t.sessions.c.starts_at))).scalar_one()
        assert got == starts
        assert got.tzinfo is not None


async def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    async with fresh_database("sqlite", tmp_path) as db, db.read() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 10_000
