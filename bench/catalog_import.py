"""Benchmark: 5,000 courses and 100,000 sessions as a file, imported into a fresh SQLite DB."""

# Run from the repository root:
#
#     PYTHONPATH=. python bench/catalog_import.py [--formats xlsx,csv,yaml] [--courses 5000]
#
# The parent process builds the catalog and writes one file per format; each import then runs in
# a child process so that its peak RSS (resource.getrusage) counts the import alone. "import s"
# is wall time (read + validate + write; migrations excluded); "CPU s" is the process's CPU time
# for the same phases, which stays meaningful when other work shares the machine.

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import date
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.catalog import Catalog, Course
from storage.catalog_io import write_catalog
from storage.catalog_read import iter_tables
from storage.catalog_repo import catalog_stats, import_catalog
from storage.catalog_rows import CatalogBuilder
from storage.db import Database
from storage.migrate import upgrade
from storage.sample import load_base_catalog
from storage.schedule import generate_sessions, nth_class_day

TZ = ZoneInfo("Europe/Istanbul")
SUFFIX = {"xlsx": ".xlsx", "csv": ".zip", "yaml": ".yaml"}
SLOTS = (
    (("mon", "wed"), clock(9, 30), clock(12, 30)),
    (("tue", "thu"), clock(18, 30), clock(21, 30)),
    (("sat", "sun"), clock(10, 0), clock(15, 0)),
)


def build(courses: int, per_course: int) -> Catalog:
    """The base catalog plus `courses` courses with `per_course` listed sessions each."""
    catalog = load_base_catalog()
    branches, centers = catalog.branches, catalog.centers
    start = date(2027, 1, 4)
    for i in range(courses):
        weekdays, begin, end = SLOTS[i % len(SLOTS)]
        starts_on = nth_class_day(start, weekdays, begin, end, 1 + i % 40)
        course = Course(
            id=f"bench-{i:05d}",
            branch=branches[i % len(branches)].id,
            center=centers[i % len(centers)].id,
            capacity=12 + i % 14,
            starts_on=starts_on,
            ends_on=nth_class_day(starts_on, weekdays, begin, end, per_course),
            weekdays=weekdays,
            start_time=begin,
            end_time=end,
            application_opens=date(2026, 12, 1),
            application_closes=date(2027, 1, 1),
            notes="Kadınlara özel" if i % 10 == 0 else "",
            women_only=i % 10 == 0,
        )
        catalog.courses.append(course)
        catalog.sessions.extend(generate_sessions(course, TZ)[:per_course])
    return catalog


async def import_file(path: Path, db_path: Path) -> dict[str, float]:
    """Reads, validates and imports one file; returns seconds per phase and peak RSS in MB."""
    cpu0, t0 = time.process_time(), time.perf_counter()
    builder = CatalogBuilder(TZ)
    with closing(iter_tables(path, builder.problems)) as tables:
        for table in tables:
            builder.add_table(table)
    t1 = time.perf_counter()
    catalog = builder.finish()
    t2, cpu2 = time.perf_counter(), time.process_time()
    db = Database(f"sqlite+aiosqlite:///{db_path}")
    try:
        await upgrade(db)
        t3 = time.perf_counter()
        cpu3 = time.process_time()
        await import_catalog(db, catalog)
        t4, cpu4 = time.perf_counter(), time.process_time()
        stats = await catalog_stats(db)
    finally:
        await db.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "read": t1 - t0,
        "validate": t2 - t1,
        "write": t4 - t3,
        "total": (t2 - t0) + (t4 - t3),
        "cpu": (cpu2 - cpu0) + (cpu4 - cpu3),
        "peak_rss_mb": peak,
        "courses": stats["courses"],
        "sessions": stats["sessions"],
    }


def write_files(folder: Path, formats: list[str], courses: int, per_course: int) -> None:
    """Builds the catalog and writes one file per format; prints the export seconds as JSON."""
    catalog = build(courses, per_course)
    seconds = {}
    for fmt in formats:
        t0 = time.perf_counter()
        write_catalog(catalog, folder / f"catalog{SUFFIX[fmt]}", TZ)
        seconds[fmt] = time.perf_counter() - t0
    print(json.dumps({"courses": len(catalog.courses), "sessions": len(catalog.sessions),
                      "export": seconds}))  # fmt: skip


def _child(*args: str) -> dict[str, Any]:
    # Every step runs in its own process: Linux carries a parent's peak RSS over into the
    # ru_maxrss of a child it starts, so the parent stays small and does no work itself.
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip())
    parser.add_argument("--formats", default="xlsx,csv,yaml")
    parser.add_argument("--courses", type=int, default=5_000)
    parser.add_argument("--sessions-per-course", type=int, default=20)
    parser.add_argument("--write-files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--import-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    formats = args.formats.split(",")
    if args.import_file:
        print(json.dumps(asyncio.run(import_file(args.import_file, args.db))))
        return
    if args.write_files:
        write_files(args.write_files, formats, args.courses, args.sessions_per_course)
        return
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [
            "--courses",
            str(args.courses),
            "--sessions-per-course",
            str(args.sessions_per_course),
        ]
        made = _child("--write-files", tmp, "--formats", args.formats, *sizes)
        print(f"catalog: {made['courses']} courses, {made['sessions']} sessions")
        print(f"{'format':<6} {'file MB':>8} {'export s':>9} {'read s':>7} {'valid. s':>9} "
              f"{'write s':>8} {'import s':>9} {'CPU s':>6} {'peak MB':>8}")  # fmt: skip
        for fmt in formats:
            path = Path(tmp) / f"catalog{SUFFIX[fmt]}"
            r = _child("--import-file", str(path), "--db", f"{tmp}/{fmt}.db")
            size = path.stat().st_size / 1e6
            figures = (
                f"{fmt:<6} {size:>8.1f} {made['export'][fmt]:>9.2f} {r['read']:>7.2f} "
                f"{r['validate']:>9.2f} {r['write']:>8.2f} {r['total']:>9.2f} {r['cpu']:>6.2f} "
                f"{r['peak_rss_mb']:>8.0f}"
            )
            print(f"{figures}   ({r['courses']} courses, {r['sessions']} sessions imported)")


if __name__ == "__main__":
    main()
