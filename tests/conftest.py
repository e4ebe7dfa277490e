"""Shared fixtures: fresh migrated databases (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.dbutil import PG_ENV, fresh_database, postgres_base_url

_pg_skipped: list[str] = []


@pytest.fixture(params=["sqlite", "postgres"])
async def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh migrated database, once on SQLite and once on PostgreSQL."""
    if request.param == "postgres" and postgres_base_url() is None:
        _pg_skipped.append(request.node.nodeid)
        pytest.skip(f"PostgreSQL skipped: {PG_ENV} is not set")
    async with fresh_database(request.param, tmp_path) as db:
        yield db


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh migrated SQLite database."""
    async with fresh_database("sqlite", tmp_path) as database:
        yield database


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file holding the sample catalog, built once per run (copy it per test)."""
    from tests.bot.conftest import build_seeded

    return build_seeded(tmp_path_factory)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Says plainly whether the storage tests also ran on PostgreSQL."""
    base = postgres_base_url()
    if base is None:
        terminalreporter.write_line(
            f"PostgreSQL: NOT tested ({PG_ENV} unset); {len(_pg_skipped)} storage tests skipped "
            "their PostgreSQL run.",
            yellow=True,
        )
    else:
        terminalreporter.write_line("PostgreSQL: storage tests also ran on PostgreSQL.", green=True)
