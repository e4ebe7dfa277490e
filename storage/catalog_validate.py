"""Catalog problems and the checks across rows: duplicate ids and unknown references."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from core.catalog import Catalog
from storage.catalog_columns import ENTITIES, Entity
from storage.problems import Problem as Problem


class CatalogError(Exception):
    """A catalog that cannot be imported; `problems` lists everything found, nothing changed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"Katalogda {count} sorun bulundu; hiçbir değişiklik yapılmadı:"
        return "\n".join([head, *(f"- {p}" for p in self.problems)])


@dataclass(frozen=True, slots=True)
class ExistingIds:
    """Ids already in the database, which a partial file may refer to."""

    fields: frozenset[str] = frozenset()
    branches: frozenset[str] = frozenset()
    centers: frozenset[str] = frozenset()
    courses: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Where:
    """The file and sheet a table came from, and the headers as written there."""

    file: str
    sheet: str | None  # None for a CSV file
    headers: dict[str, str] = field(default_factory=dict)
    header_row: int | None = None  # the row the headers are on (tabular files)

    def problem(self, row: int | None, key: str, message: str) -> Problem:
        return Problem(self.file, message, self.sheet, row, self.headers.get(key, key))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pauses the cyclic garbage collector for a bulk load, then restores it."""
    # A 100,000-row catalog allocates millions of small objects that live on; each full
    # collection walks them all again, which costs about a third of the import time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def catalog_lists(catalog: Catalog) -> tuple[list[Any], ...]:
    """The catalog's lists, in the order of ENTITIES."""
    return (
        catalog.fields,
        catalog.branches,
        catalog.centers,
        catalog.courses,
        catalog.sessions,
        catalog.faq,
    )


@dataclass(slots=True)
class Rows:
    """Where each model of one entity came from: (id, where, row) in file order."""

    entity: Entity
    places: list[tuple[str, Where, int | None]] = field(default_factory=list)

    def add(self, id_: str, where: Where, row: int | None) -> None:
        self.places.append((id_, where, row))


def duplicates(rows: Rows) -> list[Problem]:
    """A problem for every row whose id an earlier row already has."""
    seen: dict[str, tuple[Where, int | None]] = {}
    problems = []
    for id_, where, row in rows.places:
        if id_ in seen:
            first_where, first_row = seen[id_]
            place = f"{first_row}. satırda da" if first_row is not None else "daha önce de"
            if first_where.sheet != where.sheet or first_where.file != where.file:
                place = f"“{first_where.sheet or first_where.file}” içinde {place}"
            problems.append(where.problem(row, "id", f"“{id_}” kimliği yinelenmiş: {place} var"))
        else:
            seen[id_] = (where, row)
    return problems


_NOUNS = {"field": "alan", "branch": "branş", "center": "merkez", "course": "kurs"}
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("branches", "field", "fields"),
    ("courses", "branch", "branches"),
    ("courses", "center", "centers"),
    ("sessions", "course", "courses"),
)
# (entity, column) → (target id, where, row) of every row that names one
Refs = dict[tuple[str, str], list[tuple[str, Where, int | None]]]


def unknown_refs(
    key: str, refs: list[tuple[str, Where, int | None]], known: set[str], in_db: frozenset[str]
) -> list[Problem]:
    """A problem for every row whose `key` names an id found neither in the file nor in the DB."""
    problems = []
    noun = _NOUNS[key]
    # Turkish "ne … ne de …" takes a positive verb: "ne dosyada ne de veritabanında var".
    where_not = " ne dosyada ne de veritabanında var" if in_db else " dosyada yok"
    for target, where, row in refs:
        if target not in known and target not in in_db:
            problems.append(where.problem(row, key, f"“{target}” kimlikli bir {noun}{where_not}"))
    return problems


def check_catalog(
    catalog: Catalog,
    existing: ExistingIds | None = None,
    seen: dict[str, Rows] | None = None,
    refs: Refs | None = None,
) -> list[Problem]:
    """Duplicate ids and references to nothing; `seen` and `refs` point at file rows."""
    existing = existing or ExistingIds()
    if seen is None or refs is None:
        lists = dict(zip((e.key for e in ENTITIES), catalog_lists(catalog), strict=True))
        seen = {
            e.key: Rows(e, [(m.id, Where("katalog", e.key), None) for m in lists[e.key]])
            for e in ENTITIES
        }
        refs = {
            (source, key): [
                (getattr(m, key), Where("katalog", source), None) for m in lists[source]
            ]
            for source, key, _target in REFERENCES
        }
    problems: list[Problem] = []
    for rows in seen.values():
        problems += duplicates(rows)
    ids = {key: {id_ for id_, _w, _r in rows.places} for key, rows in seen.items()}
    for source, key, target in REFERENCES:
        in_db: frozenset[str] = getattr(existing, target)
        problems += unknown_refs(key, refs[(source, key)], ids[target], in_db)
    return problems
