"""Uploaded catalog and trainee files, checked and previewed before anything is written.

For the staff panel: a file arrives as (filename, bytes). Reading validates every row and raises
CatalogError or TraineeFileError whose `problems` locate each fault (file, sheet, row, column,
message); the preview then shows what the import would change, writing nothing. Files are read
from memory, never written to disk (trainee lists hold names, phones and national ids).

To apply a previewed catalog: `import_catalog(db, catalog, replace=…, force=…)`, then
`bump_catalog_version` (storage.session_changes) in a write transaction, as the CLI does. To
apply a trainee list: `store_trainees(conn, preview.trainees, vault, now)` in `db.write()`.
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.catalog import Catalog
from storage import tables
from storage.catalog_io import read_catalog_bytes
from storage.catalog_repo import CatalogPreview, existing_ids, preview_catalog
from storage.db import Database, reading
from storage.trainees import TraineePreview, preview_trainees, read_trainees_bytes

__all__ = ["course_ids", "preview_catalog_upload", "preview_trainee_upload"]


async def course_ids(
    db_or_conn: Database | AsyncConnection, scope: frozenset[str] | None = None
) -> set[str]:
    """The ids of every course in the database (what a trainee list may name); with `scope`,
    only the courses of those centres."""
    query = select(tables.courses.c.id)
    if scope is not None:
        query = query.where(tables.courses.c.center_id.in_(sorted(scope)))
    async with reading(db_or_conn) as conn:
        return set((await conn.execute(query)).scalars())


async def preview_catalog_upload(
    db_or_conn: Database | AsyncConnection,
    filename: str,
    data: bytes,
    tz: ZoneInfo,
    *,
    replace: bool = False,
    force: bool = False,
) -> tuple[Catalog, CatalogPreview]:
    """Reads and checks an uploaded catalog, then previews importing it.

    Raises CatalogError (or its CatalogConflict) with every problem found. A merge may refer to
    ids already in the database; with `replace` the file must stand on its own. Returns the
    catalog to hand to import_catalog once confirmed, and the preview (see its `conflict`).
    """
    existing = None if replace else await existing_ids(db_or_conn)
    # Reading a large workbook takes seconds of CPU: off the event loop.
    catalog = await asyncio.to_thread(read_catalog_bytes, filename, data, tz, existing=existing)
    return catalog, await preview_catalog(db_or_conn, catalog, replace=replace, force=force)


async def preview_trainee_upload(
    db_or_conn: Database | AsyncConnection,
    filename: str,
    data: bytes,
    *,
    scope: frozenset[str] | None = None,
) -> TraineePreview:
    """Reads and checks an uploaded trainee list (.yaml, .csv, .xlsx) against the courses in
    the database, then previews storing it; raises TraineeFileError with every problem.

    With `scope` (centre ids) the list may name only those centres' courses: a row naming
    another centre's course is a problem of that row."""
    async with reading(db_or_conn) as conn:
        courses = await course_ids(conn, scope)
        foreign = await course_ids(conn) - courses if scope is not None else set()
    trainees = await asyncio.to_thread(
        read_trainees_bytes, filename, data, courses, foreign=foreign
    )
    return await preview_trainees(db_or_conn, trainees)
