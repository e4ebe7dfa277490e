"""Exports staff open in spreadsheets: free text never becomes a formula, phones stay phones."""

from __future__ import annotations

import codecs
import csv
import io
import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from storage.exports import (
    EXPORT_COLUMNS,
    PHONE_COLUMNS,
    TEXT_COLUMNS,
    VERBATIM_COLUMNS,
    applications_csv,
    applications_json,
    applications_xlsx,
    safe_phone,
    safe_text,
    unquote_text,
)

PHONE = "+905321234567"
HOSTILE = ['=HYPERLINK("http://evil","x")', "@SUM(A1)", "+1", "-2", "\tTAB", "\rCR"]


def _row(n: int, name: str, **more: str) -> dict[str, str]:
    return {
        "number": f"MF-2026-{n:06d}",
        "status": "pending",
        "user": f"console:u{n}",
        "channel": "console",
        "branch": "barista",
        "course": "barista-buca-1",
        "full_name": name,
        "national_id": "12*******50",
        "birth_date": "1998-05-12",
        "phone": PHONE,
        "district": "Karşıyaka",
        "education": "lise",
        "employment": "",
        "created_at": "2026-01-05T10:00:00+03:00",
        "updated_at": "2026-01-05T10:00:00+03:00",
        **more,
    }


ROWS = [_row(n, name) for n, name in enumerate(HOSTILE, start=1)]


def test_every_export_column_is_in_exactly_one_set() -> None:
    sets = (TEXT_COLUMNS, PHONE_COLUMNS, VERBATIM_COLUMNS)
    for column in EXPORT_COLUMNS:
        assert sum(column in s for s in sets) == 1, column
    assert set(EXPORT_COLUMNS) == TEXT_COLUMNS | PHONE_COLUMNS | VERBATIM_COLUMNS
    assert {"full_name", "district", "education", "employment", "user"} <= TEXT_COLUMNS


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+90 dial", "'+90 dial"),
        ("-indirim", "'-indirim"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("'=x", "''=x"),  # a quote already there is kept: unquoting gives it back
        ("Ayşe Yılmaz", "Ayşe Yılmaz"),
        ("a=b", "a=b"),
        ("'quoted'", "'quoted'"),
        ("", ""),
    ],
)
def test_safe_text(text: str, safe: str) -> None:
    assert safe_text(text) == safe
    assert unquote_text(safe) == text


@pytest.mark.parametrize(
    ("phone", "safe"),
    [
        (PHONE, PHONE),
        ("0232 293 46 00", "0232 293 46 00"),
        ("+90 (232) 293-46-00", "+90 (232) 293-46-00"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+HYPERLINK(1)", "'+HYPERLINK(1)"),
        ("", ""),
    ],
)
def test_safe_phone_keeps_phone_numbers(phone: str, safe: str) -> None:
    assert safe_phone(phone) == safe


@given(st.text(alphabet=st.sampled_from("'=+-@\t\r a1ş"), max_size=8) | st.text(max_size=40))
@example("''''-")
def test_unquote_undoes_safe_text_and_nothing_starts_a_formula(text: str) -> None:
    guarded = safe_text(text)
    assert unquote_text(guarded) == text
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert guarded in (text, "'" + text)


def test_csv_cells_begin_with_a_quote_and_the_phone_stays() -> None:
    data = applications_csv(ROWS)
    assert data.startswith(codecs.BOM_UTF8)
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert table[0] == EXPORT_COLUMNS
    names = [r[EXPORT_COLUMNS.index("full_name")] for r in table[1:]]
    assert names == ["'" + name for name in HOSTILE]
    assert [r[EXPORT_COLUMNS.index("phone")] for r in table[1:]] == [PHONE] * len(HOSTILE)
    assert table[1][EXPORT_COLUMNS.index("created_at")] == "2026-01-05T10:00:00+03:00"


def test_csv_for_a_terminal_has_no_bom() -> None:
    text = applications_csv(ROWS[:1], bom=False).decode("utf-8")
    assert text.startswith("number,status,")
    assert text.endswith("\r\n")


def test_xlsx_cells_are_strings_with_the_quote() -> None:
    book = load_workbook(io.BytesIO(applications_xlsx(ROWS)))
    sheet = book["Başvurular"]
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == EXPORT_COLUMNS
    name_col, phone_col = EXPORT_COLUMNS.index("full_name"), EXPORT_COLUMNS.index("phone")
    names = [r[name_col] for r in rows[1:]]
    assert all(c.data_type == "s" for c in names)
    # XML turns a bare carriage return into a line feed; the cell still begins with the quote.
    expected = ["'" + name for name in HOSTILE[:-1]] + ["'\nCR"]
    assert [c.value for c in names] == expected
    phones = [r[phone_col] for r in rows[1:]]
    assert [(c.value, c.data_type) for c in phones] == [(PHONE, "s")] * len(HOSTILE)
    assert all(c.data_type == "s" for r in rows[1:] for c in r if c.value is not None)


def test_xlsx_never_writes_a_formula_even_in_a_verbatim_column() -> None:
    odd = _row(9, "Ali", number="=1+1", employment="=2+2")
    cells = next(load_workbook(io.BytesIO(applications_xlsx([odd]))).active.iter_rows(min_row=2))
    by_name = dict(zip(EXPORT_COLUMNS, cells, strict=True))
    assert (by_name["number"].value, by_name["number"].data_type) == ("=1+1", "s")
    assert (by_name["employment"].value, by_name["employment"].data_type) == ("'=2+2", "s")


def test_json_is_the_data_unmodified() -> None:
    text = applications_json(ROWS)
    assert json.loads(text) == ROWS
    assert text.endswith("]\n")
    assert json.loads(text)[0]["full_name"] == HOSTILE[0]
    assert {r["phone"] for r in json.loads(text)} == {PHONE}
