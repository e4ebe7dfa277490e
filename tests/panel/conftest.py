"""Fixtures for the staff panel's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.panel.rig import Rig, panel_rig


@pytest.fixture
async def rig(tmp_path: Path, seeded_db: Path) -> AsyncIterator[Rig]:
    async with panel_rig(tmp_path, seeded_db) as r:
        yield r
