"""Fixtures for the staff panel's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.dbutil import PG_ENV, postgres_base_url
from tests.panel.rig import Rig, panel_rig


@pytest.fixture
async def rig(tmp_path: Path, seeded_db: Path) -> AsyncIterator[Rig]:
    async with panel_rig(tmp_path, seeded_db) as r:
        yield r


@pytest.fixture(params=["sqlite", "postgres"])
async def any_rig(
    request: pytest.FixtureRequest, tmp_path: Path, seeded_db: Path
) -> AsyncIterator[Rig]:
    """The panel on SQLite, and again on PostgreSQL when the run has one."""
    if request.param == "postgres" and postgres_base_url() is None:
        pytest.skip(f"PostgreSQL skipped: {PG_ENV} is not set")
    async with panel_rig(tmp_path, seeded_db, kind=request.param) as r:
        yield r
