"""Exports staff open in spreadsheets: applications as CSV, xlsx or JSON, formula-safe.

Formula injection (OWASP "CSV injection"): a spreadsheet runs a cell that begins with `=`, `+`,
`-` or `@` as a formula (some programs skip a leading tab or carriage return first), so a
citizen who gives `=HYPERLINK("http://evil","x")` as their name could plant a link or worse in
the workbook staff open. Every export written for a spreadsheet (CSV, xlsx) passes its free-text
cells through `safe_text`, which puts a single quote `'` before such a text, as OWASP advises.

Only free text is touched, column by column, never blindly: a phone number in E.164 begins
with `+` and stays exactly as it is (`safe_phone`), and numbers, dates, statuses and application
numbers are written unchanged. JSON is no spreadsheet: it keeps the data unmodified.

The catalog export uses the same guard; a catalog import takes it off again with `unquote_text`
(exactly one leading `'` when what follows it, after any further quotes, begins with one of the
characters above), so export → import gives the same catalog.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

EXPORT_COLUMNS = [
    "number", "status", "user", "channel", "branch", "course", "full_name", "national_id",
    "birth_date", "phone", "district", "education", "employment", "created_at", "updated_at",
]  # fmt: skip

# The columns of an applications export, each in exactly one set (a test checks the partition).
# Free text typed by a citizen, or a text nothing checks at export time (the user key and the
# channel derived from it, the course and branch ids): neutralised with `safe_text`.
TEXT_COLUMNS = frozenset(
    {"user", "channel", "branch", "course", "full_name", "district", "education", "employment"}
)
# A phone number, E.164 when it came through the form: kept as it is unless it is no phone.
PHONE_COLUMNS = frozenset({"phone"})
# Written by the program in a fixed shape, never free text: written unchanged.
VERBATIM_COLUMNS = frozenset(
    {"number", "status", "national_id", "birth_date", "created_at", "updated_at"}
)

SHEET_TITLE = "Başvurular"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")  # a leading quote is doubled, so unquoting is exact
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]*")  # digits and the usual separators: no formula
_QUOTE_OR_START = frozenset("'=+-@\t\r")


def safe_text(value: str) -> str:
    """A free-text cell a spreadsheet will not run: `'` before a text that starts a formula.

    A text that already begins with quotes followed by such a character gets one quote more,
    so that `unquote_text` gives back every text exactly.
    """
    if value[:1] in _QUOTE_OR_START and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def unquote_text(value: str) -> str:
    """The text `safe_text` was given: one leading `'` off when a formula character follows."""
    if value[:1] == "'" and _QUOTED.match(value):
        return value[1:]
    return value


def safe_phone(value: str) -> str:
    """A phone number unchanged (`+905321234567`, `0232 293 46 00`); anything else as text."""
    return value if _PHONE.fullmatch(value) else safe_text(value)


def _cell(column: str, value: object) -> object:
    """The value to write for `column`; a column in no set is treated as free text."""
    if not isinstance(value, str) or column in VERBATIM_COLUMNS:
        return value
    if column in PHONE_COLUMNS:
        return safe_phone(value)
    return safe_text(value)


def _table(rows: Iterable[Mapping[str, object]]) -> Iterable[list[object]]:
    for row in rows:
        yield [_cell(column, row.get(column)) for column in EXPORT_COLUMNS]


def applications_csv(rows: Iterable[Mapping[str, object]], *, bom: bool = True) -> bytes:
    """The applications as CSV (comma, CRLF), UTF-8 with a BOM so Excel reads Turkish letters.

    `bom=False` leaves the BOM out, for text written to a terminal or a pipe.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(_table(rows))
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def applications_xlsx(rows: Iterable[Mapping[str, object]]) -> bytes:
    """The applications as an .xlsx workbook; every text is a string cell, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    sheet.append(EXPORT_COLUMNS)
    for values in _table(rows):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl makes a formula of any text starting with "="
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def applications_json(rows: Iterable[Mapping[str, Any]]) -> str:
    """The applications as a JSON list, data unmodified (JSON is no spreadsheet)."""
    return json.dumps([dict(row) for row in rows], ensure_ascii=False, indent=1) + "\n"
