"""Fresh databases for tests: a SQLite file, or a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Database
from storage.migrate import upgrade

PG_ENV = "MF_TEST_DATABASE_URL"


def postgres_base_url() -> str | None:
    """The PostgreSQL server to test on, or None when the run is SQLite only."""
    return os.environ.get(PG_ENV) or None


@asynccontextmanager
async def fresh_postgres_url(base_url: str, prefix: str = "mf_test") -> AsyncIterator[str]:
    """Creates an empty database on the server of `base_url`, yields its URL, then drops it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


@asynccontextmanager
async def fresh_database(
    kind: str, tmp_path: Path, *, migrate: bool = True
) -> AsyncIterator[Database]:
    """A migrated, empty database of `kind` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        try:
            if migrate:
                await upgrade(db)
            yield db
        finally:
            await db.dispose()
        return
    base = postgres_base_url()
    assert base is not None
    async with fresh_postgres_url(base) as url:
        db = Database(url)
        try:
            if migrate:
                await upgrade(db)
            yield db
        finally:
            await db.dispose()
