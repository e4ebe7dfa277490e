"""Uploads for the staff panel: problems located by file, sheet, row and column; previews that
write nothing and agree with the import that follows."""

# Runs on SQLite and, when MF_TEST_DATABASE_URL is set, on PostgreSQL too (fixture `any_db`).

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

import pytest
import yaml
from openpyxl import Workbook
from sqlalchemy import func, insert, select

from core.catalog import Catalog
from storage import tables
from storage.catalog_io import CatalogError, read_catalog_bytes
from storage.catalog_repo import (
    CatalogConflict,
    CatalogPreview,
    ImportReport,
    import_catalog,
    preview_catalog,
)
from storage.crypto import IdVault
from storage.db import Database
from storage.problems import Problem
from storage.trainees import (
    TraineeFileError,
    preview_trainees,
    read_trainees_bytes,
    store_trainees,
)
from storage.uploads import preview_catalog_upload, preview_trainee_upload
from tests.idnumbers import VALID_ID
from tests.storage.test_catalog_io import BASE_SHEETS, COURSE_HEADER, TZ
from tests.storage.test_catalog_repo import _apply_for, _course, small

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _xlsx(sheets: Mapping[str, Sequence[Sequence[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _counts(db: Database) -> dict[str, int]:
    """Rows in every table: what "writes nothing" is checked against."""
    async with db.read() as conn:
        return {
            table.name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            for table in tables.metadata.sorted_tables
        }


# Catalog problems -------------------------------------------------------------------------------


def test_bad_workbook_bytes_name_sheet_row_and_column() -> None:
    sheets = dict(BASE_SHEETS)
    sheets["Kurslar"] = [
        [],  # the headers may start lower down
        COURSE_HEADER[:9],
        ["c1", "barista", "buca", "yirmi", "2026-12-01", "2026-12-30", "mon", "18:30", "21:30"],
        ["c2", "pilot", "buca", 10, "2026-12-01", "2026-12-30", "mon", "18:30", "21:30"],
    ]  # fmt: skip
    sheets["Oturumlar"] = [["Başlangıç", "Bitiş"], ["2026-12-02 18:30", "2026-12-02 21:30"]]
    with pytest.raises(CatalogError) as caught:
        read_catalog_bytes(r"C:\Users\personel\Masaüstü\katalog.xlsx", _xlsx(sheets), TZ)
    problems = caught.value.problems
    assert Problem("katalog.xlsx", "“yirmi” bir tam sayı değil", "Kurslar", 3,
                   "Kontenjan") in problems  # fmt: skip
    assert ("Kurslar", 4, "Branş") in {(p.sheet, p.row, p.column) for p in problems}
    missing = next(p for p in problems if p.sheet == "Oturumlar")
    assert (missing.row, missing.column) == (1, None)
    assert "zorunlu sütun eksik: “Kurs”" in missing.message
    assert all(p.file == "katalog.xlsx" for p in problems)
    row = next(p for p in problems if p.row == 3).as_dict()
    assert row == {
        "file": "katalog.xlsx",
        "sheet": "Kurslar",
        "row": 3,
        "column": "Kontenjan",
        "message": row["message"],
    }
    assert "katalog.xlsx, sayfa “Kurslar”, satır 3, sütun “Kontenjan”" in str(caught.value)


def test_bad_csv_bytes_have_no_sheet_and_keep_the_header_as_written() -> None:
    data = (
        "Kimlik;Branş;Merkez;Kontenjan;Başlangıç;Bitiş;Günler;BAŞLANGIÇ SAATİ;Bitiş saati\n"
        "c1;barista;buca;20;30.02.2027;30.12.2026;Salı;18:30;21:30\n"
        "c2;barista;buca;20;01.12.2026;30.12.2026;Salı;25:00;21:30\n"
    ).encode("cp1254")
    with pytest.raises(CatalogError) as caught:
        read_catalog_bytes("kurslar.csv", data, TZ)
    found = {(p.file, p.sheet, p.row, p.column) for p in caught.value.problems}
    assert ("kurslar.csv", None, 2, "Başlangıç") in found
    assert ("kurslar.csv", None, 3, "BAŞLANGIÇ SAATİ") in found
    assert ("kurslar.csv", None, 2, "Branş") in found  # no branches in the file, none given
    text = str(caught.value)
    assert "kurslar.csv, satır 2, sütun “Başlangıç”" in text
    assert "sayfa" not in text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [("k.xlsx", b"not a workbook", "Excel dosyası açılamadı"),
     ("k.zip", b"not a zip", "zip dosyası açılamadı"),
     ("k.yaml", b"courses: [\xff]", "UTF-8"),
     ("kurslar.csv", b"id\n\x81\x8d\n", "metin dosyası okunamadı"),
     ("k.pdf", b"%PDF", "desteklenmeyen")],
)  # fmt: skip
def test_unreadable_uploads_are_catalog_errors(name: str, data: bytes, message: str) -> None:
    with pytest.raises(CatalogError, match=message) as caught:
        read_catalog_bytes(name, data, TZ)
    assert caught.value.problems[0].file == name


def test_good_upload_reads_like_the_file() -> None:
    sheets = dict(BASE_SHEETS)
    sheets["Kurslar"] = [
        COURSE_HEADER[:9],
        ["c1", "barista", "buca", 20, "2026-12-01", "2026-12-30", "Salı", "18:30", "21:30"],
    ]
    catalog = read_catalog_bytes("k.xlsx", _xlsx(sheets), TZ)
    assert [c.id for c in catalog.courses] == ["c1"]
    assert len(catalog.sessions) == 5  # the Tuesdays of December 2026
    text = yaml.safe_dump({"fields": [{"id": "yiyecek", "name": "Yiyecek"}]}).encode()
    assert [f.id for f in read_catalog_bytes("k.yml", text, TZ).fields] == ["yiyecek"]


# Catalog previews -------------------------------------------------------------------------------


def _same(preview: CatalogPreview, report: ImportReport) -> None:
    """The preview foretold the report, and its ids match its counts."""
    assert preview.report.as_dict() == report.as_dict()
    for key, changes in preview.changes().items():
        counts = report.counts()[key]
        assert len(changes.added) == counts.added, key
        assert len(changes.changed) == counts.changed, key
        assert len(changes.removed) == counts.removed, key
        assert len(changes.archived) == counts.archived, key
        assert changes.unchanged == counts.unchanged, key


def _next_term() -> Catalog:
    """small() with one course changed, one dropped and one new."""
    return small(
        _course("barista-buca-2612a", capacity=25, ends_on=date(2027, 1, 14)),
        _course("barista-cigli-2701a", center="cigli", starts_on=date(2027, 1, 5)),
    )


async def test_merge_preview_equals_the_import(any_db: Database) -> None:
    preview = await preview_catalog(any_db, small())
    assert preview.courses.added == ("barista-buca-2612a", "excel-cigli-2612a")
    assert preview.can_import
    _same(preview, await import_catalog(any_db, small()))
    preview = await preview_catalog(any_db, _next_term())
    assert preview.courses.added == ("barista-cigli-2701a",)
    assert preview.courses.changed == ("barista-buca-2612a",)
    assert preview.courses.removed == ()  # a merge removes no course
    assert preview.sessions.removed  # the shorter course loses its last classes
    _same(preview, await import_catalog(any_db, _next_term()))


async def test_replace_preview_equals_the_import(any_db: Database) -> None:
    await import_catalog(any_db, small())
    next_term = _next_term()
    next_term.branches = next_term.branches[:1]
    next_term.fields = next_term.fields[:1]
    preview = await preview_catalog(any_db, next_term, replace=True)
    assert preview.courses.removed == ("excel-cigli-2612a",)
    assert (preview.branches.removed, preview.fields.removed) == (("excel",), ("bilisim",))
    assert preview.courses.added == ("barista-cigli-2701a",)
    _same(preview, await import_catalog(any_db, next_term, replace=True))


async def test_replace_without_force_previews_the_conflict(any_db: Database) -> None:
    await import_catalog(any_db, small())
    await _apply_for(any_db, "barista-buca-2612a")
    without = small(_course("excel-cigli-2612a", branch="excel", center="cigli", weekdays=("sat",)))
    preview = await preview_catalog(any_db, without, replace=True)
    assert not preview.can_import
    assert isinstance(preview.conflict, CatalogConflict)
    with pytest.raises(CatalogConflict) as refused:
        await import_catalog(any_db, without, replace=True)
    assert str(preview.conflict) == str(refused.value)
    assert preview.conflict.problems == refused.value.problems
    assert preview.courses.archived == ("barista-buca-2612a",)  # what --force would do
    forced = await preview_catalog(any_db, without, replace=True, force=True)
    assert forced.can_import
    assert forced.as_dict()["conflict"] is None
    _same(forced, await import_catalog(any_db, without, replace=True, force=True))


async def test_previews_write_nothing(db: Database) -> None:
    await import_catalog(db, small())
    await _apply_for(db, "barista-buca-2612a")
    before = await _counts(db)
    await preview_catalog(db, _next_term())
    await preview_catalog(db, _next_term(), replace=True)
    await preview_catalog(db, _next_term(), replace=True, force=True)
    await preview_trainee_upload(db, "k.csv", _trainee_csv("barista-buca-2612a"))
    async with db.write() as conn:  # inside the caller's own transaction, too
        await preview_catalog(conn, Catalog(), replace=True, force=True)
    assert await _counts(db) == before


async def test_preview_refuses_unknown_references_like_the_import(db: Database) -> None:
    partial = Catalog(courses=[_course("c1", branch="pilot")])
    with pytest.raises(CatalogConflict, match="pilot") as previewed:
        await preview_catalog(db, partial)
    with pytest.raises(CatalogConflict) as imported:
        await import_catalog(db, partial)
    assert previewed.value.problems == imported.value.problems


async def test_an_uploaded_partial_catalog_is_read_against_the_database(db: Database) -> None:
    await import_catalog(db, small())
    row = ["c9", "excel", "cigli", 10, "2026-12-01", "2026-12-30", "Cumartesi", "10:00", "13:00"]
    sheets: dict[str, list[Sequence[object]]] = {"Kurslar": [COURSE_HEADER[:9], row]}
    catalog, preview = await preview_catalog_upload(db, "kurslar.xlsx", _xlsx(sheets), TZ)
    assert preview.courses.added == ("c9",)
    assert preview.as_dict()["courses"]["added"] == ["c9"]
    with pytest.raises(CatalogError, match="dosyada yok"):  # replace: the file stands alone
        await preview_catalog_upload(db, "kurslar.xlsx", _xlsx(sheets), TZ, replace=True)
    _same(preview, await import_catalog(db, catalog))


# Trainee lists ----------------------------------------------------------------------------------


def _trainee_csv(course: str) -> bytes:
    return (
        "Kurs;Ad Soyad;Telefon;TC Kimlik No\n"
        f"{course};Ayşe Yılmaz;0532 123 45 67;{VALID_ID}\n"
        f"{course};Can Demir;+905331112233;\n"
    ).encode()


def test_a_bad_trainee_workbook_names_sheet_row_and_column() -> None:
    data = _xlsx({"Kayıtlar": [
        ["Kurs", "Ad Soyad", "Telefon", "T.C. Kimlik No"],
        ["barista-buca-2612a", "Ayşe Yılmaz", "05321234567", VALID_ID],
        [None, None, None, None],  # a blank row is skipped
        ["yok", "Can", 123, "12345678951"],
    ]})  # fmt: skip
    with pytest.raises(TraineeFileError) as caught:
        read_trainees_bytes("kursiyerler.xlsx", data, {"barista-buca-2612a"})
    found = {(p.file, p.sheet, p.row, p.column) for p in caught.value.problems}
    assert found == {
        ("kursiyerler.xlsx", "Kayıtlar", 4, "Kurs"),
        ("kursiyerler.xlsx", "Kayıtlar", 4, "Ad Soyad"),
        ("kursiyerler.xlsx", "Kayıtlar", 4, "Telefon"),
        ("kursiyerler.xlsx", "Kayıtlar", 4, "T.C. Kimlik No"),
    }
    assert "kursiyerler.xlsx, sayfa “Kayıtlar”, satır 4, sütun “Telefon”" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [("k.csv", b"Kurs,Telefon\nbarista-buca-2612a,05321234567\n",
      {("k.csv", None, 1, None)}),  # one problem for the missing column, none per row
     ("k.yaml", b"trainees:\n  - course: barista-buca-2612a\n    full_name: Ayse Yilmaz\n"
                b"    phone: 05321234567\n  - {course: yok, ad soyad: Can Demir, phone: '1'}\n",
      {("k.yaml", None, 5, "course"), ("k.yaml", None, 5, "phone")}),
     ("k.yaml", b"kursiyerler: []\n", {("k.yaml", None, None, None)}),
     ("k.txt", b"x", {("k.txt", None, None, None)}),
     ("k.csv", b"kurs\n\x81\x8d\n", {("k.csv", None, None, None)}),
     ("k.xlsx", b"not a workbook", {("k.xlsx", None, None, None)})],
)  # fmt: skip
def test_trainee_file_problems_are_located(
    name: str, data: bytes, expected: set[tuple[object, ...]]
) -> None:
    with pytest.raises(TraineeFileError) as caught:
        read_trainees_bytes(name, data, {"barista-buca-2612a"})
    assert {(p.file, p.sheet, p.row, p.column) for p in caught.value.problems} == expected


async def _a_user_with_phone(db: Database, phone: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(tables.users).values(
                key="telegram:77", channel="telegram", phone=phone, created_at=NOW
            )
        )


async def test_trainee_preview_counts_per_course_and_matches_the_store(db: Database) -> None:
    await import_catalog(db, small())
    await _a_user_with_phone(db, "+905331112233")
    vault = IdVault("test-data-key-0123456789")
    first = await preview_trainee_upload(db, "kursiyerler.csv", _trainee_csv("barista-buca-2612a"))
    assert first.counts() == (2, 0, 1)
    (course,) = first.courses
    assert (course.course, len(course.added), course.already) == ("barista-buca-2612a", 2, ())
    async with db.write() as conn:
        assert await store_trainees(conn, list(first.trainees), vault, NOW) == first.counts()
    both = _trainee_csv("barista-buca-2612a") + (
        b"excel-cigli-2612a;Ece Kaya;0533 111 22 33;\n"
        b"excel-cigli-2612a;Ece Kaya;0533 111 22 33;\n"  # the same row twice
    )
    again = await preview_trainee_upload(db, "kursiyerler.csv", both)
    assert again.counts() == (1, 3, 1)
    barista, excel = again.courses
    assert [t.full_name for t in barista.already] == ["Ayşe Yılmaz", "Can Demir"]
    assert barista.added == ()
    assert (len(excel.added), len(excel.repeated)) == (1, 1)
    async with db.write() as conn:
        assert await store_trainees(conn, list(again.trainees), vault, NOW) == again.counts()
    assert (await preview_trainees(db, again.trainees)).counts() == (0, 4, 0)


async def test_trainee_upload_checks_courses_in_the_database(db: Database) -> None:
    with pytest.raises(TraineeFileError, match="diye bir kurs yok") as caught:
        await preview_trainee_upload(db, "k.csv", _trainee_csv("barista-buca-2612a"))
    assert {p.row for p in caught.value.problems} == {2, 3}
    assert {p.column for p in caught.value.problems} == {"Kurs"}
