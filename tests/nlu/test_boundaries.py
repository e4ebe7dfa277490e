"""The NLU package stays pure: no database, SDK or network imports, and a cheap index build."""

from __future__ import annotations

import subprocess
import sys
import time

from locales.faq import topic_patterns
from nlu import CatalogIndex
from tests.nlu.catalogs import generated_catalog

FORBIDDEN = ("sqlalchemy", "aiosqlite", "telegram", "httpx", "starlette", "asyncpg")


def test_nlu_imports_no_io_libraries() -> None:
    code = (
        "import sys, nlu, nlu.scoring; "
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""


def test_index_build_is_cheap_for_a_large_catalog() -> None:
    catalog = generated_catalog(extra_branches=1500, centres=200, courses=5000)
    started = time.perf_counter()
    index = CatalogIndex.build(catalog, topic_patterns())
    elapsed = time.perf_counter() - started
    assert len(index.branches) == len(catalog.branches)
    assert elapsed < 3.0  # about 0.3 s on a developer laptop; generous for slow CI machines
