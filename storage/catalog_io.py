"""Catalog files in and out: .xlsx, CSV (folder or .zip) and YAML, validated before use."""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

from core.catalog import Catalog
from storage.catalog_read import iter_tables, iter_upload_tables
from storage.catalog_rows import CatalogBuilder, RawTable
from storage.catalog_validate import (
    CatalogError,
    ExistingIds,
    Problem,
    check_catalog,
    paused_gc,
)
from storage.catalog_write import write_csv, write_xlsx, write_yaml
from storage.limits import Refused
from storage.problems import upload_name

__all__ = [
    "CatalogError",
    "ExistingIds",
    "Problem",
    "check_catalog",
    "read_catalog",
    "read_catalog_bytes",
    "write_catalog",
    "write_template",
]

log = logging.getLogger(__name__)


def read_catalog(path: Path, tz: ZoneInfo, *, existing: ExistingIds | None = None) -> Catalog:
    """Reads and validates a catalog file; references may also point at `existing` ids."""
    builder = CatalogBuilder(tz)
    try:
        with paused_gc(), closing(iter_tables(path, builder.problems)) as tables:
            return _build(builder, tables, path.name, existing)
    except Refused as exc:  # a cap passed while reading rows (see storage.limits)
        raise CatalogError([exc.problem(path.name)]) from exc


def read_catalog_bytes(
    filename: str, data: bytes, tz: ZoneInfo, *, existing: ExistingIds | None = None
) -> Catalog:
    """Like read_catalog, for an uploaded file held in memory: .xlsx, .zip of CSVs, .csv or
    .yaml, told apart by `filename` (only its last part is used and shown in problems)."""
    name = upload_name(filename)
    builder = CatalogBuilder(tz)
    try:
        with paused_gc(), closing(iter_upload_tables(name, data, builder.problems)) as tables:
            return _build(builder, tables, name, existing)
    except Refused as exc:  # a cap passed while reading rows (see storage.limits)
        raise CatalogError([exc.problem(name)]) from exc
    except _UNREADABLE as exc:  # a damaged file: a problem to show, not a crash
        log.warning("upload %s unreadable", name, exc_info=True)
        raise CatalogError([Problem(name, f"dosya okunamadı; bozuk olabilir ({exc})")]) from exc


_UNREADABLE = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)


def _build(
    builder: CatalogBuilder,
    tables: Iterable[RawTable],
    name: str,
    existing: ExistingIds | None,
) -> Catalog:
    for table in tables:
        builder.add_table(table)
    catalog = builder.finish(existing)
    log.info(
        "read %s: %d fields, %d branches, %d centers, %d courses, %d sessions",
        name,
        len(catalog.fields),
        len(catalog.branches),
        len(catalog.centers),
        len(catalog.courses),
        len(catalog.sessions),
    )
    return catalog


def write_catalog(catalog: Catalog, path: Path, tz: ZoneInfo) -> None:
    """Writes `catalog` as .xlsx, .yaml/.yml, .zip of CSVs, or a folder of CSVs (other paths)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        write_xlsx(catalog, path, tz)
    elif suffix in (".yaml", ".yml"):
        write_yaml(catalog, path, tz)
    elif suffix in (".zip", ".csv", ""):
        write_csv(catalog, path, tz)
    else:
        raise ValueError(
            f"desteklenmeyen dosya türü: {path.name} (.xlsx, .yaml, .zip ya da klasör kullanın)"
        )


def write_template(path: Path) -> None:
    """Writes an empty workbook with the Turkish headers, for staff to fill in."""
    write_xlsx(None, path, ZoneInfo("UTC"))
