"""Writes a catalog as an .xlsx workbook (Turkish headers), CSV files (folder or .zip) or YAML.

In xlsx and CSV the free-text cells (catalog_columns.FREE_TEXT, PHONES) are guarded against
formula injection by storage.exports; an import takes the guard off again. YAML is written as is.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import yaml

from core.catalog import Catalog, CourseStatus, SessionStatus
from storage.catalog_cells import TR_COURSE_STATUS, TR_DAY_NAMES, TR_SESSION_STATUS
from storage.catalog_columns import ENTITIES, FREE_TEXT, PHONES, Column, Entity
from storage.catalog_validate import catalog_lists
from storage.catalog_xlsx import Sheet, write_workbook
from storage.exports import safe_phone, safe_text
from storage.files import open_private

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc]  # the C dumper has no stubs
    """Writes a value again where it repeats (no &id001 / *id001): aliases are for machines,
    and the reader allows them only for single values (core.yaml_bounds)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_WIDTHS = {"id": 30, "name": 32, "address": 36, "keywords": 40, "notes": 30, "hours": 14}


def _clock(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M")


def _records(entity: Entity, models: list[Any], tz: ZoneInfo) -> Iterator[list[Any]]:
    """Each model as a list of plain values in column order; datetimes local and naive."""
    keys = [c.key for c in entity.columns]
    for model in models:
        row = [getattr(model, key) for key in keys]
        yield [v.astimezone(tz).replace(tzinfo=None) if isinstance(v, datetime) else v for v in row]


Guard = Callable[[str], str] | None


def _guards(entity: Entity) -> list[Guard]:
    """For each column, what keeps its text cells from becoming formulas (None: nothing)."""
    text, phones = FREE_TEXT.get(entity.key, frozenset()), PHONES.get(entity.key, frozenset())
    return [
        safe_phone if c.key in phones else safe_text if c.key in text else None
        for c in entity.columns
    ]


def _csv_value(value: Any, col: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _stamp(value)
    if isinstance(value, time):
        return _clock(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return (";" if col.kind == "keywords" else ",").join(value)
    return str(value)


def _csv_bytes(entity: Entity, models: list[Any], tz: ZoneInfo) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in entity.columns])
    cols = list(zip(entity.columns, _guards(entity), strict=True))
    for row in _records(entity, models, tz):
        cells = []
        for value, (col, guard) in zip(row, cols, strict=True):
            text = _csv_value(value, col)
            cells.append(guard(text) if guard else text)
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def _yaml_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _stamp(value)
    if isinstance(value, time):
        return _clock(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, CourseStatus | SessionStatus):
        return str(value)
    return value


def _yaml_items(entity: Entity, models: list[Any], tz: ZoneInfo) -> list[dict[str, Any]]:
    items = []
    skip = {"women_only": False, "status": SessionStatus.SCHEDULED}
    for row in _records(entity, models, tz):
        item = {}
        for col, value in zip(entity.columns, row, strict=True):
            if value in (None, "", ()) or (col.key in skip and skip[col.key] == value):
                continue
            if col.read:
                item[col.key] = _yaml_value(value)
        items.append(item)
    return items


def _xlsx_value(value: Any, col: Column) -> Any:
    if isinstance(value, bool):
        return "Evet" if value else "Hayır"
    if isinstance(value, CourseStatus):
        return TR_COURSE_STATUS[value]
    if isinstance(value, SessionStatus):
        return TR_SESSION_STATUS[value]
    if isinstance(value, tuple):
        if col.kind == "weekdays":
            return ", ".join(TR_DAY_NAMES[d] for d in value)
        return "; ".join(value)
    return None if value == "" else value


def _xlsx_rows(entity: Entity, models: list[Any], tz: ZoneInfo) -> Iterator[list[Any]]:
    cols = list(zip(entity.columns, _guards(entity), strict=True))
    for row in _records(entity, models, tz):
        cells = []
        for value, (col, guard) in zip(row, cols, strict=True):
            cell = _xlsx_value(value, col)
            cells.append(guard(cell) if guard and isinstance(cell, str) else cell)
        yield cells


def _sheets(catalog: Catalog | None, tz: ZoneInfo) -> list[Sheet]:
    lists = catalog_lists(catalog) if catalog is not None else ([],) * len(ENTITIES)
    return [
        Sheet(
            name=entity.tr,
            header=[c.tr for c in entity.columns],
            widths=[_WIDTHS.get(c.key, max(12, len(c.tr) + 4)) for c in entity.columns],
            rows=_xlsx_rows(entity, models, tz),
            row_count=len(models),
        )
        for entity, models in zip(ENTITIES, lists, strict=True)
    ]


def _writer(data: bytes) -> Callable[[IO[bytes]], None]:
    def write(out: IO[bytes]) -> None:
        out.write(data)

    return write


def _atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open_private(tmp) as out:
            write(out)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_xlsx(catalog: Catalog | None, path: Path, tz: ZoneInfo) -> None:
    """A workbook with one sheet per entity and Turkish headers (empty when catalog is None)."""

    _atomic(path, lambda out: write_workbook(out, _sheets(catalog, tz)))


def write_yaml(catalog: Catalog, path: Path, tz: ZoneInfo) -> None:
    """The YAML catalog of CONTRACT.md, local times, default values left out."""
    data = {
        entity.key: _yaml_items(entity, models, tz)
        for entity, models in zip(ENTITIES, catalog_lists(catalog), strict=True)
    }
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    _atomic(path, _writer(text.encode("utf-8")))


def write_csv(catalog: Catalog, path: Path, tz: ZoneInfo) -> None:
    """fields.csv … sessions.csv, in a folder or (for a .zip path) a zip archive."""
    files = {
        f"{entity.key}.csv": _csv_bytes(entity, models, tz)
        for entity, models in zip(ENTITIES, catalog_lists(catalog), strict=True)
    }
    if path.suffix.lower() == ".zip":

        def write(out: IO[bytes]) -> None:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in files.items():
                    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, data)

        _atomic(path, write)
        return
    path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        _atomic(path / name, _writer(data))
