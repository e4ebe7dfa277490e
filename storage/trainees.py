"""Trainees enrolled at the desk: read from YAML, CSV or Excel, checked, then stored."""

# The files hold personal data (names, phones, national ids): an upload is read from memory and
# never copied to disk.

from __future__ import annotations

import io
import logging
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

import yaml
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamStartEvent,
)

from core.checks import clean_national_id, clean_text, national_id_problem, normalise_phone
from core.records import Trainee
from core.yaml_bounds import EventGuard
from storage import tables as t
from storage.catalog_columns import fold
from storage.catalog_xlsx_read import Workbook
from storage.crypto import IdVault
from storage.db import Database, reading
from storage.limits import (
    MAX_TRAINEE_ROWS,
    Refused,
    RowBudget,
    check_bytes,
    csv_rows,
    read_file,
)
from storage.problems import Problem, upload_name

log = logging.getLogger(__name__)

COLUMNS = {
    "course": ("course", "kurs"),
    "full_name": ("full_name", "ad soyad", "ad_soyad", "adsoyad", "adı soyadı"),
    "phone": ("phone", "telefon"),
    "national_id": ("national_id", "tc", "tc kimlik no", "kimlik no", "tckn", "t.c. kimlik no"),
}
_REQUIRED = ("course", "full_name", "phone")
_LOOKUP = {fold(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
_NULLS = ("~", "null", "Null", "NULL")


class TraineeFileError(Exception):
    """The file has problems; nothing was stored. Lists each with its row and column."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(slots=True)
class _Table:
    """A trainee file's rows: (row or line number, column key → text), headers as written."""

    file: str
    sheet: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # key → header as written
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    header_row: int | None = None  # tabular files; YAML names the keys in every row


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 5321234567.0 from a number cell
    return clean_text(str(value), multiline=False).strip()


def _tabular(table: _Table, rows: Iterator[tuple[int, Sequence[object]]]) -> _Table:
    """Fills `table` from rows whose first non-empty one holds the headers."""
    index: dict[str, int] = {}
    for n, cells in rows:
        texts = [_text(c) for c in cells]
        if not any(texts):
            continue
        if table.header_row is None:
            table.header_row = n
            for i, header in enumerate(texts):
                key = _LOOKUP.get(fold(header)) if header else None
                if key is not None and key not in index:
                    index[key], table.headers[key] = i, header
            continue
        table.rows.append((n, {k: texts[i] if i < len(texts) else "" for k, i in index.items()}))
    return table


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1254")  # Excel's "CSV" on Turkish Windows
    except UnicodeDecodeError as exc:
        message = "metin dosyası okunamadı; UTF-8 ya da Windows-1254 (Türkçe) olarak kaydedin"
        raise TraineeFileError([Problem(name, message)]) from exc


def _csv(name: str, data: bytes) -> _Table:
    rows = csv_rows(data, file=name, budget=RowBudget(MAX_TRAINEE_ROWS), by_line=True)
    try:
        return _tabular(_Table(name), rows)
    except Refused as exc:
        raise TraineeFileError([exc.problem(name)]) from exc


_XLSX_ERRORS = (OSError, KeyError, IndexError, ValueError, zipfile.BadZipFile, ParseError,
                ExpatError)  # fmt: skip


def _xlsx(name: str, data: bytes) -> _Table:
    try:
        with Workbook(io.BytesIO(data)) as book:
            if not book.sheets:
                raise TraineeFileError([Problem(name, "Excel dosyasında sayfa yok")])
            title, part = book.sheets[0]
            try:
                return _tabular(_Table(name, title), book.rows(part, RowBudget(MAX_TRAINEE_ROWS)))
            except Refused as exc:
                raise TraineeFileError([exc.problem(name, title)]) from exc
    except Refused as exc:
        raise TraineeFileError([exc.problem(name)]) from exc
    except _XLSX_ERRORS as exc:
        message = f"Excel dosyası okunamadı; .xlsx biçiminde mi? ({exc})"
        raise TraineeFileError([Problem(name, message)]) from exc


_BaseLoader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class _YamlEvents:
    """A trainee YAML file's parser events, within core.yaml_bounds, and its scalar texts.

    Read as a stream, nothing built but the rows: a file of any shape costs its size. The base
    loader keeps every value a string as written: 05321234567 is no octal number."""

    def __init__(self, text: str) -> None:
        self.loader = _BaseLoader(text)
        self.guard = EventGuard()
        self.anchors: dict[str, str] = {}

    def next(self) -> Event:
        event: Event = self.loader.get_event()
        self.guard.check(event)
        if isinstance(event, ScalarEvent) and event.anchor:
            self.anchors[event.anchor] = _scalar(event)
        return event

    def text(self, event: Event) -> str:
        """The text of the value that starts with `event`; "" for a list or mapping (read
        past) or a null."""
        if isinstance(event, ScalarEvent):
            return _scalar(event)
        if isinstance(event, AliasEvent):
            return self.anchors.get(event.anchor or "", "")
        depth = 1 if isinstance(event, CollectionStartEvent) else 0
        while depth:
            event = self.next()
            if isinstance(event, CollectionStartEvent):
                depth += 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
        return ""


def _scalar(event: ScalarEvent) -> str:
    if event.style is None and event.value in _NULLS:
        return ""
    return clean_text(str(event.value), multiline=False).strip()


def _yaml(name: str, data: bytes) -> _Table:
    events = _YamlEvents(_decode(data, name))
    try:
        return _yaml_table(name, events)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise TraineeFileError([Problem(name, f"YAML okunamadı: {exc}", row=row)]) from exc
    except Refused as exc:
        raise TraineeFileError([exc.problem(name)]) from exc
    finally:
        events.loader.dispose()


def _yaml_table(name: str, events: _YamlEvents) -> _Table:
    """The rows of the first `trainees:` list of the top mapping; the rest is read past."""
    table = _Table(name)
    found: bool | None = None  # None: no `trainees:` yet; then whether it was a list
    top = events.next()
    while isinstance(top, StreamStartEvent | DocumentStartEvent):
        top = events.next()
    if isinstance(top, MappingStartEvent):
        while not isinstance(key := events.next(), MappingEndEvent):
            header = events.text(key)
            value = events.next()
            if header == "trainees" and found is None:
                found = isinstance(value, SequenceStartEvent)
                if found:
                    _yaml_rows(events, table)
                    continue
            events.text(value)
    else:
        events.text(top)
    if not found:
        raise TraineeFileError([Problem(name, "'trainees:' listesi bulunamadı")])
    return table


def _yaml_rows(events: _YamlEvents, table: _Table) -> None:
    budget = RowBudget(MAX_TRAINEE_ROWS)
    while not isinstance(item := events.next(), SequenceEndEvent):
        line = item.start_mark.line + 1 if item.start_mark is not None else 0
        budget.take(line)
        values: dict[str, str] = {}
        if isinstance(item, MappingStartEvent):
            while not isinstance(key_event := events.next(), MappingEndEvent):
                header = events.text(key_event)
                text = events.text(events.next())
                key = _LOOKUP.get(fold(header))
                if key is not None and key not in values:
                    values[key] = text
                    table.headers.setdefault(key, header)
        else:
            events.text(item)
        table.rows.append((line, values))


def _read_table(name: str, data: bytes) -> _Table:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _yaml(name, data)
    if suffix == ".csv":
        return _csv(name, data)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(name, data)
    raise TraineeFileError([Problem(name, ".yaml, .csv ya da .xlsx olmalı")])


def _check(
    table: _Table, courses: AbstractSet[str], foreign: AbstractSet[str] = frozenset()
) -> tuple[list[Trainee], list[Problem]]:
    problems: list[Problem] = []
    missing = set()
    if table.header_row is not None:  # a spreadsheet: each required column once, not per row
        for key in _REQUIRED:
            if key not in table.headers:
                missing.add(key)
                names = " / ".join(COLUMNS[key][:2])
                problems.append(
                    Problem(table.file, f"zorunlu sütun eksik: {names}", table.sheet,
                            table.header_row)
                )  # fmt: skip
    out: list[Trainee] = []
    for n, row in table.rows:

        def problem(key: str, message: str, n: int = n) -> None:
            column = table.headers.get(key, key)
            problems.append(Problem(table.file, message, table.sheet, n, column))

        course, name = row.get("course", ""), row.get("full_name", "")
        phone_raw, nid = row.get("phone", ""), row.get("national_id", "")
        if "course" not in missing:
            if not course:
                problem("course", "kurs boş bırakılamaz")
            elif course in foreign:
                problem("course", f"'{course}' sizin merkezlerinizden birinin kursu değil")
            elif course not in courses:
                problem("course", f"'{course}' diye bir kurs yok")
        if "full_name" not in missing and len(name.split()) < 2:
            problem("full_name", "ad ve soyad gerekli")
        phone = normalise_phone(phone_raw) if phone_raw else None
        if "phone" not in missing:
            if not phone_raw:
                problem("phone", "telefon boş bırakılamaz")
            elif phone is None:
                problem("phone", f"'{phone_raw}' geçerli bir Türkiye numarası değil")
        if nid and national_id_problem(nid) is not None:
            problem("national_id", "geçerli bir T.C. kimlik numarası değil")
        if phone is not None:
            out.append(Trainee(course, name, phone, clean_national_id(nid) if nid else None))
    if not table.rows and not problems:
        problems.append(Problem(table.file, "hiç kursiyer satırı yok", table.sheet))
    return out, problems


def read_trainees_bytes(
    filename: str,
    data: bytes,
    courses: AbstractSet[str],
    *,
    foreign: AbstractSet[str] = frozenset(),
) -> list[Trainee]:
    """Reads and checks an uploaded file held in memory (.yaml, .csv or .xlsx, told apart by
    `filename`); raises TraineeFileError listing every problem. Nothing touches the disk.

    `courses` are the ones the file may name; a row naming one of `foreign` (a course that
    exists but belongs to a centre the uploader does not work for) is a problem of that row."""
    name = upload_name(filename)
    try:
        check_bytes(data)
        table = _read_table(name, data)
    except Refused as exc:
        raise TraineeFileError([exc.problem(name)]) from exc
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        log.warning("trainee file %s unreadable: %s", name, type(exc).__name__)
        raise TraineeFileError([Problem(name, f"dosya okunamadı; bozuk olabilir ({exc})")]) from exc
    trainees, problems = _check(table, courses, foreign)
    if problems:
        raise TraineeFileError(problems)
    return trainees


def read_trainees(path: Path, courses: set[str]) -> list[Trainee]:
    """Reads and checks every row; raises TraineeFileError listing all problems."""
    try:
        data = read_file(path)
    except Refused as exc:
        raise TraineeFileError([exc.problem(path.name)]) from exc
    except FileNotFoundError as exc:
        raise TraineeFileError([Problem(path.name, f"dosya bulunamadı: {path}")]) from exc
    except OSError as exc:
        raise TraineeFileError([Problem(path.name, f"dosya okunamadı ({exc.strerror})")]) from exc
    return read_trainees_bytes(path.name, data, courses)


@dataclass(frozen=True, slots=True)
class CourseTrainees:
    """One course's rows of a trainee file: new, already enrolled, or repeated in the file."""

    course: str
    added: tuple[Trainee, ...] = ()
    already: tuple[Trainee, ...] = ()  # enrolled at the desk before (same course and phone)
    repeated: tuple[Trainee, ...] = ()  # same course and phone as an earlier row of the file


@dataclass(frozen=True, slots=True)
class TraineePreview:
    """What store_trainees would do with `trainees`: its (added, skipped, linked) and per
    course the rows it would add and skip. Hand `trainees` to store_trainees to confirm."""

    trainees: tuple[Trainee, ...]
    courses: tuple[CourseTrainees, ...]  # in the file's order of first appearance
    added: int
    skipped: int
    linked: int  # new enrolments whose phone already belongs to a chat user

    def counts(self) -> tuple[int, int, int]:
        """(added, skipped, linked), as store_trainees returns them."""
        return self.added, self.skipped, self.linked


@dataclass(slots=True)
class _TraineePlan:
    new: list[tuple[Trainee, str | None]] = field(default_factory=list)  # with the user key
    already: list[Trainee] = field(default_factory=list)
    repeated: list[Trainee] = field(default_factory=list)


async def _plan_trainees(conn: AsyncConnection, trainees: Sequence[Trainee]) -> _TraineePlan:
    e = t.enrolments
    existing = {
        (r.course_id, r.phone)
        for r in await conn.execute(select(e.c.course_id, e.c.phone).where(e.c.source == "desk"))
    }
    users_by_phone = {
        r.phone: r.key
        for r in await conn.execute(select(t.users.c.key, t.users.c.phone))
        if r.phone
    }
    plan = _TraineePlan()
    in_file: set[tuple[str, str]] = set()
    for tr in trainees:
        key = (tr.course, tr.phone)
        if key in existing:
            plan.already.append(tr)
        elif key in in_file:
            plan.repeated.append(tr)
        else:
            in_file.add(key)
            # A WhatsApp user writes from their own number; a Telegram user shared theirs.
            user = users_by_phone.get(tr.phone) or await _whatsapp_user(conn, tr.phone)
            plan.new.append((tr, user))
    return plan


async def preview_trainees(
    db_or_conn: Database | AsyncConnection, trainees: Sequence[Trainee]
) -> TraineePreview:
    """What store_trainees would add and skip, per course, writing nothing."""
    async with reading(db_or_conn) as conn:
        plan = await _plan_trainees(conn, trainees)
    added: dict[str, list[Trainee]] = defaultdict(list)
    already: dict[str, list[Trainee]] = defaultdict(list)
    repeated: dict[str, list[Trainee]] = defaultdict(list)
    for tr, _user in plan.new:
        added[tr.course].append(tr)
    for tr in plan.already:
        already[tr.course].append(tr)
    for tr in plan.repeated:
        repeated[tr.course].append(tr)
    order = dict.fromkeys(tr.course for tr in trainees)  # as the file first names them
    return TraineePreview(
        trainees=tuple(trainees),
        courses=tuple(
            CourseTrainees(c, tuple(added[c]), tuple(already[c]), tuple(repeated[c])) for c in order
        ),
        added=len(plan.new),
        skipped=len(plan.already) + len(plan.repeated),
        linked=sum(user is not None for _tr, user in plan.new),
    )


async def store_trainees(
    conn: AsyncConnection, trainees: Sequence[Trainee], vault: IdVault, now: datetime
) -> tuple[int, int, int]:
    """Adds desk enrolments (skipping ones already there); returns (added, skipped, linked)."""
    plan = await _plan_trainees(conn, trainees)
    for tr, user in plan.new:
        await conn.execute(
            insert(t.enrolments).values(
                course_id=tr.course,
                user_key=user,
                full_name=tr.full_name,
                phone=tr.phone,
                national_id_enc=vault.encrypt(tr.national_id) if tr.national_id else None,
                national_id_hash=vault.hash(tr.national_id) if tr.national_id else None,
                source="desk",
                created_at=now,
            )
        )
    linked = sum(user is not None for _tr, user in plan.new)
    return len(plan.new), len(plan.already) + len(plan.repeated), linked


async def _whatsapp_user(conn: AsyncConnection, phone: str) -> str | None:
    key = "whatsapp:" + phone.lstrip("+")
    found = await conn.execute(select(t.users.c.key).where(t.users.c.key == key))
    return found.scalar_one_or_none()
