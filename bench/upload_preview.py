"""Timing check: a 5,000-course workbook uploaded to the panel, read, validated and previewed.

Run from the repository root:

    PYTHONPATH=. python bench/upload_preview.py [--courses 5000]

Builds the workbook with openpyxl from the bundled sample catalog (its fields, branches and
centres, and its courses repeated under new ids up to --courses; no Oturumlar sheet, so every
course's sessions are generated, as in a staff workbook), then times on a fresh SQLite database:
reading the bytes (read + validate), preview of a merge into the empty database, the import
itself, and previews of the same file again (merge and replace) against the full database.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from core.catalog import Catalog, CourseStatus
from storage.catalog_cells import TR_COURSE_STATUS, TR_DAY_NAMES
from storage.catalog_columns import ENTITIES, Column
from storage.catalog_repo import catalog_stats, import_catalog, preview_catalog
from storage.catalog_validate import catalog_lists
from storage.db import Database
from storage.migrate import upgrade
from storage.sample.generate import build_sample_catalog
from storage.uploads import preview_catalog_upload

TZ = ZoneInfo("Europe/Istanbul")


def _cell(value: Any, col: Column) -> Any:
    if isinstance(value, bool):
        return "Evet" if value else "Hayır"
    if isinstance(value, CourseStatus):
        return TR_COURSE_STATUS[value]
    if isinstance(value, tuple) and col.kind == "weekdays":
        return ", ".join(TR_DAY_NAMES[d] for d in value)
    if isinstance(value, tuple):
        return "; ".join(value)
    return None if value == "" else value


def build_workbook(courses: int) -> tuple[bytes, int]:
    """The workbook's bytes and its number of courses."""
    sample = build_sample_catalog(date(2026, 11, 25), TZ)
    listed = [
        replace(c, id=f"{c.id}-{i // len(sample.courses):03d}")
        for i, c in enumerate(sample.courses * (courses // len(sample.courses) + 1))
    ][:courses]
    catalog = Catalog(sample.fields, sample.branches, sample.centers, listed)
    book = Workbook(write_only=True)
    for entity, models in zip(ENTITIES[:4], catalog_lists(catalog)[:4], strict=True):
        sheet = book.create_sheet(entity.tr)
        sheet.append([c.tr for c in entity.columns])
        for model in models:
            sheet.append([_cell(getattr(model, c.key), c) for c in entity.columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), len(listed)


async def run(courses: int) -> None:
    t0 = time.perf_counter()
    data, count = build_workbook(courses)
    print(f"workbook: {count} courses, {len(data) / 1e6:.1f} MB, built in "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            await upgrade(db)

            t0 = time.perf_counter()
            catalog, preview = await preview_catalog_upload(db, "katalog.xlsx", data, TZ)
            total = time.perf_counter() - t0
            added = preview.report.courses.added, preview.report.sessions.added
            print(f"empty DB, merge: read + validate + preview {total:.2f} s "
                  f"({added[0]} courses, {added[1]} sessions to add)")  # fmt: skip
            t0 = time.perf_counter()
            await preview_catalog(db, catalog)
            print(f"  of which preview alone: {time.perf_counter() - t0:.2f} s")

            t0 = time.perf_counter()
            await import_catalog(db, catalog)
            stats = await catalog_stats(db)
            print(f"import: {time.perf_counter() - t0:.2f} s ({stats['courses']} courses, "
                  f"{stats['sessions']} sessions)")  # fmt: skip

            for replacing in (False, True):
                t0 = time.perf_counter()
                _c, preview = await preview_catalog_upload(
                    db, "katalog.xlsx", data, TZ, replace=replacing
                )
                total = time.perf_counter() - t0
                t0 = time.perf_counter()
                await preview_catalog(db, catalog, replace=replacing)
                alone = time.perf_counter() - t0
                mode = "replace" if replacing else "merge"
                same = preview.report.courses.unchanged, preview.report.sessions.unchanged
                print(f"full DB, same file, {mode}: read + validate + preview {total:.2f} s "
                      f"(preview alone {alone:.2f} s; {same[0]} courses, {same[1]} sessions "
                      f"unchanged)")  # fmt: skip
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--courses", type=int, default=5_000)
    args = parser.parse_args()
    asyncio.run(run(args.courses))


if __name__ == "__main__":
    main()
