"""The one place the dialogue runner touches project code (the package layout is moving).

It builds a database holding the bundled sample catalog once, exports that catalog as the
contract's CSV files, and plays console lines in-process: `parse_line` makes the Incoming the
console channel would, one `engine.handle` call answers it, and `reply_json` gives the replies
as `meslek-bot chat --json` prints them.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import bot.app as app_module
from bot.app import build_assistant
from bot.channels.console import parse_line, reply_json
from storage.catalog_io import write_catalog
from storage.catalog_repo import load_catalog
from tests.bot.conftest import make_settings
from tests.idnumbers import VALID_ID

NATIONAL_ID = VALID_ID  # a valid T.C. kimlik no for the citizen who fills in the form

Send = Callable[[str], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class Seed:
    """A database file holding the sample catalog, and that catalog exported as CSV files."""

    db_file: Path
    export_dir: Path
    today: date
    catalog: Any  # the catalog as storage reads it (its class moves with the refactoring)


async def make_seed(folder: Path) -> Seed:
    """Builds the sample-catalog database under `folder` and exports its catalog."""
    settings = make_settings(folder)
    assistant = await build_assistant(settings)
    try:
        catalog = await load_catalog(assistant.db)
    finally:
        await assistant.close()
    db_file = folder / "data" / "meslek.db"
    con = sqlite3.connect(db_file)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    export_dir = folder / "export"
    write_catalog(catalog, export_dir, settings.tz)
    return Seed(db_file, export_dir, datetime.now(settings.tz).date(), catalog)


@contextmanager
def _catalog_read_once(catalog: Any) -> Iterator[None]:
    """Hands the already-read catalog to build_assistant: every copy holds the same one, and
    reading 15,000 sessions again for each dialogue would double the suite's time."""
    namespace = vars(app_module)
    original = namespace["load_catalog"]

    async def cached(db: object) -> Any:
        return catalog

    namespace["load_catalog"] = cached
    try:
        yield
    finally:
        namespace["load_catalog"] = original


@asynccontextmanager
async def console(seed: Seed, folder: Path, user: str) -> AsyncIterator[Send]:
    """A fresh copy of the seeded database under `folder`, and a console line sender for `user`."""
    target = folder / "data" / "meslek.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seed.db_file, target)
    with _catalog_read_once(seed.catalog):
        assistant = await build_assistant(make_settings(folder))

    async def send(line: str) -> list[dict[str, Any]]:
        replies = await assistant.engine.handle(parse_line(line, user))
        return [reply_json(r) for r in replies]

    try:
        yield send
    finally:
        await assistant.close()
