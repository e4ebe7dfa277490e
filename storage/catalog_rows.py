"""Turns the rows of a catalog file into typed records, collecting every problem on the way."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.catalog import (
    Branch,
    Catalog,
    Center,
    Course,
    FaqTopic,
    Field,
    Session,
    is_faq_keyword,
    turkish_lower,
)
from storage.catalog_cells import PARSERS, CellError, is_blank
from storage.catalog_columns import ENTITIES, FREE_TEXT, PHONES, Entity
from storage.catalog_validate import (
    REFERENCES,
    CatalogError,
    ExistingIds,
    Problem,
    Refs,
    Rows,
    Where,
    catalog_lists,
    check_catalog,
)
from storage.exports import unquote_text
from storage.schedule import generate_sessions, session_holiday

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RawTable:
    """One sheet, CSV file or YAML section: (row number, values by column key) pairs."""

    entity: Entity
    where: Where
    rows: Iterable[tuple[int, Mapping[str, object]]]
    tabular: bool = True  # columns are fixed by a header row (xlsx, CSV), not per row (YAML)


Cells = dict[str, Any]


def _parser(kind: str, unquote: bool) -> Callable[[object], Any]:
    """The parser of `kind`'s cells; with `unquote`, it first takes the export's guard off.

    The guard is storage.exports.safe_text's: one leading `'` before =, +, -, @, a tab or a CR.
    """
    parse = PARSERS[kind]
    if not unquote:
        return parse

    def parse_unquoted(raw: object) -> Any:
        return parse(unquote_text(raw.strip()) if isinstance(raw, str) else raw)

    return parse_unquoted


class CatalogBuilder:
    """Collects tables into a Catalog; `finish` checks across rows and raises CatalogError."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.problems: list[Problem] = []
        self.catalog = Catalog()
        self.seen = {e.key: Rows(e) for e in ENTITIES}
        self.refs: Refs = {(source, key): [] for source, key, _target in REFERENCES}
        self._session_numbers: dict[str, int] = defaultdict(int)
        self._lists = dict(zip((e.key for e in ENTITIES), catalog_lists(self.catalog), strict=True))
        self._build: dict[str, Callable[[Where, int, Cells], Any]] = {
            "fields": self._field,
            "branches": self._branch,
            "centers": self._center,
            "courses": self._course,
            "sessions": self._session,
            "faq": self._faq,
        }

    def add_table(self, table: RawTable) -> None:
        """Reads every row of `table`, keeping the good ones and noting what is wrong."""
        entity, where = table.entity, table.where
        columns = [c for c in entity.columns if c.read]
        absent: set[str] = set()
        if table.tabular:
            for col in columns:
                if col.required and col.key not in where.headers:
                    absent.add(col.key)
                    self.problems.append(
                        Problem(where.file, f"zorunlu sütun eksik: “{col.tr}” ({col.key})",
                                where.sheet, where.header_row or 1)
                    )  # fmt: skip
        build = self._build[entity.key]
        guarded = FREE_TEXT.get(entity.key, frozenset()) | PHONES.get(entity.key, frozenset())
        plan = [(c.key, _parser(c.kind, table.tabular and c.key in guarded),
                 c.required and c.key not in absent, c.max_len)
                for c in columns]  # fmt: skip
        models, seen = self._lists[entity.key], self.seen[entity.key]
        refs = [(key, self.refs[(src, key)]) for src, key, _t in REFERENCES if src == entity.key]
        sessions = entity.key == "sessions"
        for row, values in table.rows:
            cells = self._cells(where, row, values, plan)
            if cells is None:
                continue
            if sessions and cells["course"] is not None:
                self._session_numbers[cells["course"]] += 1
                if cells["id"] is None:
                    cells["id"] = f"{cells['course']}-{self._session_numbers[cells['course']]}"
            if cells["id"] is not None:
                seen.add(cells["id"], where, row)
            for key, found in refs:
                if cells[key] is not None:
                    found.append((cells[key], where, row))
            if cells.pop("_bad", False):
                continue
            model = build(where, row, cells)
            if model is not None:
                models.append(model)

    def _cells(
        self,
        where: Where,
        row: int,
        values: Mapping[str, object],
        plan: list[tuple[str, Callable[[object], Any], bool, int | None]],
    ) -> Cells | None:
        """The row's parsed cells (None where blank), or None for an entirely blank row."""
        cells: Cells = {}
        problems: list[Problem] = []
        blank = True
        for key, parse, required, max_len in plan:
            raw = values.get(key)
            if raw is None or raw == "" or is_blank(raw):
                cells[key] = None
                if required:
                    problems.append(where.problem(row, key, "boş bırakılamaz"))
                continue
            blank = False
            try:
                value = parse(raw)
            except CellError as exc:
                problems.append(where.problem(row, key, str(exc)))
                cells[key] = None
                continue
            if max_len and len(value) > max_len:
                message = f"en fazla {max_len} karakter olabilir ({len(value)} yazılmış)"
                problems.append(where.problem(row, key, message))
            cells[key] = value
        if blank:
            return None
        if problems:
            self.problems.extend(problems)
            cells["_bad"] = True
        return cells

    def _check(self, where: Where, row: int, key: str, ok: bool, message: str) -> bool:
        if not ok:
            self.problems.append(where.problem(row, key, message))
        return ok

    def _field(self, where: Where, row: int, c: Cells) -> Field:
        return Field(id=c["id"], name=c["name"], **_translated(c))

    def _branch(self, where: Where, row: int, c: Cells) -> Branch | None:
        good = self._check(where, row, "hours", c["hours"] > 0, "0'dan büyük olmalı")
        good &= self._check(where, row, "min_age", 0 <= c["min_age"] <= 120, "0–120 arası olmalı")
        if not good:
            return None
        return Branch(
            id=c["id"],
            field=c["field"],
            name=c["name"],
            hours=c["hours"],
            min_age=c["min_age"],
            keywords=c["keywords"] or (),
            description=c["description"] or "",
            **_translated(c),
        )

    def _center(self, where: Where, row: int, c: Cells) -> Center:
        return Center(
            id=c["id"],
            name=c["name"],
            district=c["district"],
            address=c["address"] or "",
            lat=c["lat"],
            lon=c["lon"],
            phone=c["phone"] or "",
            hours=c["hours"] or "",
            **_translated(c),
        )

    def _course(self, where: Where, row: int, c: Cells) -> Course | None:
        check = self._check
        good = check(where, row, "capacity", c["capacity"] >= 0, "negatif olamaz")
        good &= check(
            where,
            row,
            "ends_on",
            c["ends_on"] >= c["starts_on"],
            "başlangıç tarihinden önce olamaz",
        )
        good &= check(
            where,
            row,
            "end_time",
            c["end_time"] > c["start_time"],
            "başlangıç saatinden sonra olmalı",
        )
        opens, closes = c["application_opens"], c["application_closes"]
        good &= check(
            where,
            row,
            "application_closes",
            opens is None or closes is None or closes >= opens,
            "başvuru açılış tarihinden önce olamaz",
        )
        for key in ("min_age", "max_age"):
            good &= check(
                where, row, key, c[key] is None or 0 <= c[key] <= 120, "0–120 arası olmalı"
            )
        low, high = c["min_age"], c["max_age"]
        good &= check(
            where,
            row,
            "max_age",
            low is None or high is None or high >= low,
            "asgari yaştan küçük olamaz",
        )
        if not good:
            return None
        optional = {k: c[k] for k in ("status", "notes", "women_only") if c[k] is not None}
        return Course(
            id=c["id"],
            branch=c["branch"],
            center=c["center"],
            capacity=c["capacity"],
            starts_on=c["starts_on"],
            ends_on=c["ends_on"],
            weekdays=c["weekdays"],
            start_time=c["start_time"],
            end_time=c["end_time"],
            application_opens=opens,
            application_closes=closes,
            min_age=low,
            max_age=high,
            **optional,
        )

    def _local(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=self.tz)
        return value.astimezone(self.tz)

    def _session(self, where: Where, row: int, c: Cells) -> Session | None:
        starts, ends = self._local(c["starts_at"]), self._local(c["ends_at"])
        if not self._check(where, row, "ends_at", ends > starts, "başlangıçtan sonra olmalı"):
            return None
        optional = {k: c[k] for k in ("status", "reason") if c[k] is not None}
        holiday = session_holiday(starts.date(), starts.time(), ends.time())
        return Session(
            id=c["id"],
            course=c["course"],
            starts_at=starts,
            ends_at=ends,
            holiday=holiday,
            **optional,
        )

    def _faq(self, where: Where, row: int, c: Cells) -> FaqTopic | None:
        bad = [k for k in c["keywords"] if not is_faq_keyword(k)]
        message = f"“{', '.join(bad)}”: 2–60 harf olmalı; rakam ya da noktalama içermemeli"
        if not self._check(where, row, "keywords", not bad, message):
            return None
        return FaqTopic(
            id=c["id"],
            keywords=tuple(dict.fromkeys(turkish_lower(k) for k in c["keywords"])),
            answer=c["answer"],
            answer_en=c["answer_en"] or "",
            answer_ar=c["answer_ar"] or "",
        )

    def finish(self, existing: ExistingIds | None = None) -> Catalog:
        """Checks ids and references, adds generated sessions, or raises CatalogError."""
        problems = self.problems + check_catalog(self.catalog, existing, self.seen, self.refs)
        if problems:
            raise CatalogError(problems)
        listed = {s.course for s in self.catalog.sessions}
        for course in self.catalog.courses:
            if course.id not in listed:
                self.catalog.sessions.extend(generate_sessions(course, self.tz))
        return self.catalog


def _translated(c: Cells) -> dict[str, str]:
    """The optional English and Arabic names of a row ("" when the column is empty)."""
    return {"name_en": c.get("name_en") or "", "name_ar": c.get("name_ar") or ""}
