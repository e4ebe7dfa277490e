"""Reads the tables of a catalog file: an .xlsx workbook, CSV files (folder or .zip) or YAML."""

from __future__ import annotations

import io
import logging
import zipfile
import zlib
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

from storage.catalog_columns import ENTITIES, Entity, entity_named, fold
from storage.catalog_rows import RawTable
from storage.catalog_validate import CatalogError, Problem, Where
from storage.catalog_xlsx_read import Workbook
from storage.catalog_yaml import read_yaml
from storage.limits import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    BoundedZip,
    Refused,
    RowBudget,
    check_bytes,
    csv_rows,
    read_file,
)

log = logging.getLogger(__name__)


def _headers(entity: Entity, header: Sequence[object]) -> tuple[dict[str, int], dict[str, str]]:
    lookup = entity.lookup()
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    for i, cell in enumerate(header):
        if cell is None:
            continue
        col = lookup.get(fold(str(cell)))
        if col is None:
            log.debug("ignoring column %r of %s", cell, entity.key)
        elif col.key not in index:
            index[col.key] = i
            names[col.key] = str(cell).strip()
    return index, names


def _tabular(
    entity: Entity, file: str, sheet: str | None, rows: Iterator[tuple[int, Sequence[object]]]
) -> RawTable | None:
    """A table whose first non-empty row holds the headers."""
    header_row = None
    for n, header in rows:
        if any(cell not in (None, "") for cell in header):
            header_row = n
            break
    else:
        return None
    index, names = _headers(entity, header)
    width = max(index.values(), default=-1) + 1

    def values() -> Iterator[tuple[int, dict[str, object]]]:
        for n, row in rows:
            padded = row if len(row) >= width else (*row, *([None] * (width - len(row))))
            yield n, {key: padded[i] for key, i in index.items()}

    return RawTable(entity, Where(file, sheet, names, header_row), values())


_XLSX_ERRORS = (
    OSError,
    KeyError,
    IndexError,
    ValueError,
    zipfile.BadZipFile,
    ParseError,
    ExpatError,
)


def _sheet_rows(
    book: Workbook, part: str, file: str, title: str, budget: RowBudget
) -> Iterator[tuple[int, list[object]]]:
    try:
        yield from book.rows(part, budget)
    except Refused as exc:
        raise CatalogError([exc.problem(file, title)]) from exc
    except _XLSX_ERRORS as exc:
        message = f"sayfa okunamadı; dosya bozuk olabilir ({exc})"
        raise CatalogError([Problem(file, message, title)]) from exc


def _xlsx(source: IO[bytes] | Path, name: str, problems: list[Problem]) -> Iterator[RawTable]:
    try:
        book = Workbook(source)
    except Refused as exc:
        raise CatalogError([exc.problem(name)]) from exc
    except _XLSX_ERRORS as exc:
        message = f"Excel dosyası açılamadı; .xlsx biçiminde mi? ({exc})"
        raise CatalogError([Problem(name, message)]) from exc
    budget = RowBudget(MAX_ROWS)  # for all the sheets together
    with book:
        found = False
        for title, part in book.sheets:
            entity = entity_named(title)
            if entity is None:
                log.info("ignoring sheet %r of %s", title, name)
                continue
            found = True
            rows = _sheet_rows(book, part, name, title, budget)
            table = _tabular(entity, name, title, rows)
            if table is not None:
                yield table
        if not found:
            problems.append(Problem(name, _NO_TABLES.format(what="sayfa")))


_NO_TABLES = (
    "tanınan bir {what} yok; beklenenler: Alanlar, Branşlar, Merkezler, Kurslar, Oturumlar "
    "(ya da fields, branches, centers, courses, sessions)"
)


def _csv_table(entity: Entity, file: str, data: bytes, budget: RowBudget) -> RawTable | None:
    return _tabular(entity, file, None, csv_rows(data, file=file, budget=budget))


def _csv_files(
    files: list[tuple[str, str]], read: Any, problems: list[Problem], label: str
) -> Iterator[RawTable]:
    budget = RowBudget(MAX_ROWS)  # for all the files together
    named = [(entity_named(PurePosixPath(name).stem), name, shown) for name, shown in files]
    known = [(e, name, shown) for e, name, shown in named if e is not None]
    if not known:
        problems.append(Problem(label, _NO_TABLES.format(what="CSV dosyası")))
    known.sort(key=lambda item: ENTITIES.index(item[0]))
    for entity, name, shown in known:
        table = _csv_table(entity, shown, read(name), budget)
        if table is not None:
            yield table


def _csv_zip(source: IO[bytes] | Path, name: str, problems: list[Problem]) -> Iterator[RawTable]:
    try:
        archive = BoundedZip(source)
    except Refused as exc:
        raise CatalogError([exc.problem(name)]) from exc
    except (OSError, zipfile.BadZipFile) as exc:
        raise CatalogError([Problem(name, f"zip dosyası açılamadı ({exc})")]) from exc
    with archive:
        names = [
            n
            for n in archive.names()
            if n.lower().endswith(".csv") and not n.startswith("__MACOSX")
        ]
        files = [(n, f"{name}/{n}") for n in names]

        def read(member: str) -> bytes:
            try:
                return archive.read(member, MAX_FILE_BYTES)
            except Refused as exc:
                raise CatalogError([exc.problem(f"{name}/{member}")]) from exc
            except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
                message = f"dosya okunamadı; bozuk olabilir ({exc})"
                raise CatalogError([Problem(f"{name}/{member}", message)]) from exc

        yield from _csv_files(files, read, problems, name)


def _csv_folder(path: Path, problems: list[Problem]) -> Iterator[RawTable]:
    files = [(p.name, p.name) for p in sorted(path.iterdir()) if p.suffix.lower() == ".csv"]

    def read(name: str) -> bytes:
        try:
            return read_file(path / name)
        except Refused as exc:
            raise CatalogError([exc.problem(name)]) from exc

    yield from _csv_files(files, read, problems, path.name)


def _csv_single(name: str, data: bytes, problems: list[Problem]) -> Iterator[RawTable]:
    entity = entity_named(PurePosixPath(name).stem)
    if entity is None:
        problems.append(Problem(name, _NO_TABLES.format(what="CSV dosyası adı")))
        return
    table = _csv_table(entity, name, data, RowBudget(MAX_ROWS))
    if table is not None:
        yield table


def iter_tables(path: Path, problems: list[Problem]) -> Generator[RawTable, None, None]:
    """The tables in `path`, read lazily; file-level problems are appended to `problems`."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise CatalogError([Problem(path.name, f"dosya bulunamadı: {path}")])
    data = b""
    if not path.is_dir() and suffix in (".csv", ".yaml", ".yml"):
        try:
            data = read_file(path)  # a zip or workbook is opened by BoundedZip, not read whole
        except Refused as exc:
            raise CatalogError([exc.problem(path.name)]) from exc
    if path.is_dir():
        yield from _csv_folder(path, problems)
    elif suffix == ".zip":
        yield from _csv_zip(path, path.name, problems)
    elif suffix == ".csv":
        yield from _csv_single(path.name, data, problems)
    elif suffix in (".yaml", ".yml"):
        yield from read_yaml(path.name, data, problems)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx(path, path.name, problems)
    else:
        raise CatalogError([Problem(path.name, _UNSUPPORTED)])


_UNSUPPORTED = "desteklenmeyen dosya türü; .xlsx, .yaml, .csv (klasör) ya da .zip kullanın"


def iter_upload_tables(
    name: str, data: bytes, problems: list[Problem]
) -> Generator[RawTable, None, None]:
    """The tables of an uploaded file held in memory (`name` gives its type); nothing on disk."""
    suffix = PurePosixPath(name).suffix.lower()
    try:
        check_bytes(data)
    except Refused as exc:
        raise CatalogError([exc.problem(name)]) from exc
    if suffix == ".zip":
        yield from _csv_zip(io.BytesIO(data), name, problems)
    elif suffix == ".csv":
        yield from _csv_single(name, data, problems)
    elif suffix in (".yaml", ".yml"):
        yield from read_yaml(name, data, problems)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx(io.BytesIO(data), name, problems)
    else:
        raise CatalogError([Problem(name, _UNSUPPORTED.replace(" (klasör)", ""))])
