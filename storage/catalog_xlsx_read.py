"""A fast, streaming .xlsx reader: cell values row by row, dates as dates, nothing else."""

# openpyxl's read-only mode spends ~20 µs on every cell without lxml (15 s for a 100,000-row
# sheet); this reads the same sheet with the C XML parser in a few seconds and little memory.
#
# It reads only the rows and cells the sheet's XML holds: the <dimension> a sheet declares
# ("A1:XFD1048576") is never looked at, so a gap of a million rows costs nothing. The zip and
# every part of it are read within the caps of storage.limits: a member declaring more than its
# cap is refused before it is unpacked, and the bytes actually unpacked are counted too. Empty
# rows are skipped; cell references past Excel's last column, values right of MAX_COLUMNS, more
# filled rows than the file's RowBudget, a cell longer than Excel allows: each is a Refused
# naming the row.

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, parse
from xml.parsers.expat import ParserCreate

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

from storage.limits import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_PART_BYTES,
    MAX_SHARED_STRINGS,
    MAX_SHEET_BYTES,
    MAX_STALL_BYTES,
    MAX_STRINGS_BYTES,
    BoundedZip,
    Refused,
    RowBudget,
    ZipMember,
    count,
    size,
    too_wide,
)

_OFFICE_DOC = "/officeDocument"
_DIGITS = "0123456789"
Row = tuple[int, list[object]]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml(book: BoundedZip, name: str) -> Element:
    with book.open(name, MAX_PART_BYTES) as part:
        return parse(part).getroot()


def _rels(book: BoundedZip, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target path inside the zip) for `part`."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels_name not in book.names():
        return {}
    found = {}
    for rel in _xml(book, rels_name):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
    return found


def _date_styles(book: BoundedZip, name: str | None) -> set[int]:
    """Indices of the cell formats that show a date or time."""
    if name is None:
        return set()
    root = _xml(book, name)
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    dates = set()
    for elem in root:
        if _local(elem.tag) == "numFmts":
            for fmt in elem:
                formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
        elif _local(elem.tag) == "cellXfs":
            for i, xf in enumerate(elem):
                code = formats.get(int(xf.get("numFmtId", "0")), "General")
                if is_date_format(code):
                    dates.add(i)
    return dates


@lru_cache(maxsize=1024)
def _column(letters: str) -> int:
    """0-based column of the letters of a cell reference ("AB" of "AB12"); -1 past XFD."""
    index = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            return -1
        index = index * 26 + (ord(ch) - 64)
    return index - 1 if 0 < index <= EXCEL_COLUMNS else -1


def _ref_column(ref: str, row: int) -> int:
    letters = ref.rstrip(_DIGITS)
    column = _column(letters) if len(letters) <= 3 else -1  # only short keys cached
    if column < 0:
        shown = ref if len(ref) <= 20 else ref[:20] + "…"
        raise Refused(
            f"hücre başvurusu “{shown}” geçersiz; Excel'de son sütun XFD, son satır "
            f"{count(EXCEL_ROWS)}",
            row=row,
        )
    return column


def _excel_date(number: float, epoch: datetime) -> datetime | time | float:
    """A date cell's value: a time for a bare fraction of a day, else a datetime; the number
    itself when it is no date (1e300: the cell check then says so)."""
    try:
        moment = epoch + timedelta(days=number)
    except (OverflowError, ValueError):
        return number
    if moment.microsecond:
        moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    if 0 <= number < 1:
        return moment.time()
    if epoch == WINDOWS_EPOCH and 0 < number < 60:
        moment += timedelta(days=1)  # Excel's 1900 leap-year bug
    return moment


class Workbook:
    """An open .xlsx file: sheet names, and each sheet's rows on demand."""

    def __init__(self, file: IO[bytes] | str | Path) -> None:
        self._zip = BoundedZip(Path(file) if isinstance(file, str) else file)
        try:
            self._open()
        except BaseException:
            self._zip.close()
            raise

    def _open(self) -> None:
        book = self._zip
        main = next(
            (p for t, p in _rels(book, "").values() if t.endswith(_OFFICE_DOC)), "xl/workbook.xml"
        )
        rels = _rels(book, main)
        root = _xml(book, main)
        self.epoch = WINDOWS_EPOCH
        self.sheets: list[tuple[str, str]] = []
        for elem in root:
            name = _local(elem.tag)
            if name == "workbookPr" and elem.get("date1904") in ("1", "true"):
                self.epoch = MAC_EPOCH
            elif name == "sheets":
                for sheet in elem:
                    rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), "")
                    if rid in rels:
                        self.sheets.append((sheet.get("name", ""), rels[rid][1]))
        by_type = {t.rpartition("/")[2]: p for t, p in rels.values()}
        self.strings = _shared_strings(book, by_type.get("sharedStrings"))
        self.dates = _date_styles(book, by_type.get("styles"))

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def value(self, kind: str, raw: str, style: str | None) -> Any:
        """A cell's value from its type (t), text and style (s) attributes."""
        if kind == "s":
            return self.strings[int(raw)]
        if kind in ("str", "e", "inlineStr"):
            return raw
        if kind == "b":
            return raw == "1"
        if kind == "d":
            return datetime.fromisoformat(raw)
        number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if style and self.dates and int(style) in self.dates:
            return _excel_date(number, self.epoch)
        return number

    def rows(self, path: str, budget: RowBudget) -> Iterator[Row]:
        """(row number, values by column) for every row that has a value, in order, each taken
        from `budget`; Refused beyond it or any other cap."""
        sheet = _SheetParser(self, budget)
        with self._zip.open(path, MAX_SHEET_BYTES) as part:
            for _ in _feed(sheet, part):
                yield from sheet.done
                sheet.done.clear()


class _Expat:
    """An expat parser and the number of elements it has started."""

    def __init__(self) -> None:
        self.elements = 0
        parser = self.parser = ParserCreate()
        parser.buffer_text = True
        self.names: dict[str, str] = {}

    def local(self, name: str) -> str:
        found = self.names.get(name)
        if found is None:
            found = name.rpartition(":")[2]
            if len(self.names) < 256:  # a file may name millions of elements: cache a few
                self.names[name] = found
        return found


def _feed(xml: _Expat, part: ZipMember) -> Iterator[None]:
    """Feeds `part` to the parser in chunks, pausing after each; refuses XML that goes on for
    MAX_STALL_BYTES without starting an element (one endless tag or comment, which expat would
    hold whole in memory)."""
    stalled = 0
    while chunk := part.read(1 << 18):
        before = xml.elements
        xml.parser.Parse(chunk, False)
        stalled = stalled + len(chunk) if xml.elements == before else 0
        if stalled > MAX_STALL_BYTES:
            raise Refused(
                f"dosyanın XML'inde {size(MAX_STALL_BYTES)} boyunca yeni öğe yok; dosya bozuk"
            )
        yield
    xml.parser.Parse(b"", True)
    yield


class _StringsParser(_Expat):
    """The shared strings: the text of each <si>, phonetic runs left out."""

    def __init__(self) -> None:
        super().__init__()
        self.strings: list[str] = []
        self.parts: list[str] | None = None  # text of the current <t> when not None
        self.current: list[str] = []
        self.length = 0
        self.phonetic = False
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.chars

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        name = self.local(name)
        if name == "t" and not self.phonetic:
            self.parts = []
        elif name == "si":
            self.current, self.length = [], 0
        elif name == "rPh":
            self.phonetic = True

    def chars(self, data: str) -> None:
        if self.parts is not None:
            self.parts.append(data)
            self.length += len(data)
            if self.length > MAX_CELL_CHARS:
                raise Refused(f"bir metin {count(MAX_CELL_CHARS)} karakterden uzun")

    def end(self, name: str) -> None:
        name = self.local(name)
        if name == "t" and self.parts is not None:
            self.current.extend(self.parts)
            self.parts = None
        elif name == "si":
            self.strings.append("".join(self.current))
            if len(self.strings) > MAX_SHARED_STRINGS:
                raise Refused(f"dosyada {count(MAX_SHARED_STRINGS)}'dan fazla ayrı metin var")
        elif name == "rPh":
            self.phonetic = False


def _shared_strings(book: BoundedZip, name: str | None) -> list[str]:
    if name is None:
        return []
    strings = _StringsParser()
    with book.open(name, MAX_STRINGS_BYTES) as part:
        for _ in _feed(strings, part):
            pass
    return strings.strings


class _SheetParser(_Expat):
    """Expat handlers that collect finished rows; no element objects are built."""

    def __init__(self, book: Workbook, budget: RowBudget) -> None:
        super().__init__()
        self.book = book
        self.budget = budget
        self.done: list[Row] = []
        self.rows = 0  # <row> elements seen
        self.number = 0
        self.values: list[object] = []
        self.col = 0
        self.kind = "n"
        self.style: str | None = None
        self.text: list[str] | None = None  # collecting character data when not None
        self.length = 0
        self.raw: str | None = None
        self.inline = False
        self.phonetic = False
        parser = self.parser
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        name = self.local(name)
        if name == "v":
            self.text = []
        elif name == "c":
            ref = attrs.get("r")
            self.col = _ref_column(ref, self.number) if ref else len(self.values)
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.raw = None
            self.length = 0
        elif name == "row":
            self.start_row(attrs.get("r"))
        elif name == "is":
            self.inline, self.raw = True, ""
        elif name == "t" and self.inline and not self.phonetic:
            self.text = []
        elif name == "rPh":
            self.phonetic = True

    def start_row(self, ref: str | None) -> None:
        self.number = int(ref) if ref else self.number + 1
        if not 1 <= self.number <= EXCEL_ROWS:
            raise Refused(f"satır numarası {ref} geçersiz; Excel'de son satır {count(EXCEL_ROWS)}")
        self.rows += 1
        if self.rows > EXCEL_ROWS:
            raise Refused(f"sayfada {count(EXCEL_ROWS)} satırdan fazlası var", row=self.number)
        self.values = []

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)
            self.length += len(data)
            if self.length > MAX_CELL_CHARS:
                raise Refused(
                    f"bir hücre {count(MAX_CELL_CHARS)} karakterden uzun", row=self.number
                )

    def end(self, name: str) -> None:
        name = self.local(name)
        if name == "v" and self.text is not None:
            self.raw = "".join(self.text)
            self.text = None
        elif name == "c":
            self.end_cell()
        elif name == "row":
            values = self.values
            if any(v is not None and v != "" for v in values):
                self.budget.take(self.number)
                self.done.append((self.number, values))
        elif name == "t" and self.text is not None:
            self.raw = (self.raw or "") + "".join(self.text)
            self.text = None
        elif name == "rPh":
            self.phonetic = False

    def end_cell(self) -> None:
        raw, col, inline = self.raw, self.col, self.inline
        self.inline = False
        if raw is None or (raw == "" and not inline):
            return
        if col >= MAX_COLUMNS:
            if raw.strip():
                raise Refused(too_wide(col), row=self.number)
            return
        values = self.values
        if col >= len(values):
            values.extend([None] * (col + 1 - len(values)))
        values[col] = raw if inline else self.book.value(self.kind, raw, self.style)
