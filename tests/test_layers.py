"""Imports point inwards: the import contract holds, and handlers/ and nlu/ never load an SDK,
HTTP client or the database, even indirectly at run time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("telegram", "httpx", "sqlalchemy", "aiosqlite", "asyncpg", "starlette", "uvicorn")


def test_handlers_and_nlu_load_no_sdk_or_database() -> None:
    modules = [
        f"{pkg}.{p.stem}"
        for pkg in ("handlers", "nlu")
        for p in sorted((ROOT / pkg).glob("*.py"))
        if p.stem != "__init__"
    ]
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout)
    bad = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert not bad, f"handlers/nlu pulled in: {bad[:10]}"


def test_the_import_contract_holds() -> None:
    """pyproject.toml [tool.importlinter]: the layers, the leaf, and no cycles."""
    linter = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-1000:]
