"""Catalog files: formats, Turkish headers and values, and problems reported with their place."""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from core.catalog import Catalog, CourseStatus, Session, SessionStatus
from storage.catalog_columns import ENTITIES, FREE_TEXT, PHONES
from storage.catalog_io import (
    CatalogError,
    ExistingIds,
    read_catalog,
    write_catalog,
    write_template,
)
from storage.sample.generate import build_sample_catalog

TZ = ZoneInfo("Europe/Istanbul")
DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def sample() -> Catalog:
    """Part of the demo catalog (every kind of course), plus a listed session on a holiday."""
    full = build_sample_catalog(TODAY, TZ)
    special = [
        next(c for c in full.courses if c.women_only),
        next(c for c in full.courses if c.max_age),
        next(c for c in full.courses if c.status == CourseStatus.CANCELLED),
    ]
    courses = list({c.id: c for c in [*full.courses[:30], *special]}.values())
    ids = {c.id for c in courses}
    sessions = [s for s in full.sessions if s.course in ids]
    new_year = datetime(2027, 1, 1, 18, 30, tzinfo=TZ)
    sessions.append(
        Session("extra-1", courses[0].id, new_year, new_year.replace(hour=21), holiday="Yılbaşı")
    )
    return Catalog(full.fields, full.branches, full.centers, courses, sessions)


def _workbook(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    book.close()
    return path


BASE_SHEETS: dict[str, list[Sequence[object]]] = {
    "Alanlar": [["Kimlik", "Ad"], ["yiyecek", "Yiyecek İçecek"]],
    "Branşlar": [
        ["Kimlik", "Alan", "Ad", "Saat", "Asgari yaş", "Anahtar kelimeler"],
        ["barista", "yiyecek", "Barista", 120, 16, "kahve; espresso"],
    ],
    "Merkezler": [
        ["Kimlik", "Ad", "İlçe", "Adres", "Enlem", "Boylam", "Telefon", "Çalışma saatleri"],
        ["buca", "Buca Kurs Merkezi", "Buca", "Buca merkez", 38.388, 27.175, "0232 293 00 00", ""],
    ],
}
COURSE_HEADER = [
    "Kimlik", "Branş", "Merkez", "Kontenjan", "Başlangıç", "Bitiş", "Günler",
    "Başlangıç saati", "Bitiş saati", "Başvuru açılış", "Başvuru kapanış", "Durum", "Notlar",
    "Kadınlara özel", "Kaynak",
]  # fmt: skip


@pytest.mark.parametrize("name", ["catalog.yaml", "catalog.yml", "csvdir", "catalog.zip", "c.xlsx"])
def test_round_trip_gives_the_same_catalog(tmp_path: Path, sample: Catalog, name: str) -> None:
    path = tmp_path / name
    write_catalog(sample, path, TZ)
    assert read_catalog(path, TZ) == sample


@pytest.mark.parametrize("name", ["catalog.yaml", "catalog.zip", "c.xlsx"])
def test_export_is_deterministic(tmp_path: Path, sample: Catalog, name: str) -> None:
    write_catalog(sample, tmp_path / f"1{name}", TZ)
    write_catalog(sample, tmp_path / f"2{name}", TZ)
    assert (tmp_path / f"1{name}").read_bytes() == (tmp_path / f"2{name}").read_bytes()


def test_turkish_workbook_is_read(tmp_path: Path) -> None:
    sheets = dict(BASE_SHEETS)
    sheets["Kurslar"] = [
        COURSE_HEADER,
        ["barista-buca-2612a", "barista", "buca", 20, "01.12.2026", datetime(2026, 12, 30),
         "Pazartesi, Çarşamba", "18.30", time(21, 30), "2026-11-01", "28.11.2026", "açık",
         "Kadınlara özel", "evet", "ignored"],
        ["barista-buca-2612b", "barista", "buca", 12, "2026-12-05", "2026-12-13",
         "Cmt-Paz", "10:00", "15:00", None, None, "dolu", None, None, None],
    ]  # fmt: skip
    catalog = read_catalog(_workbook(tmp_path / "k.xlsx", sheets), TZ)
    first, second = catalog.courses
    assert first.starts_on == date(2026, 12, 1)
    assert first.ends_on == date(2026, 12, 30)
    assert first.weekdays == ("mon", "wed")
    assert (first.start_time, first.end_time) == (time(18, 30), time(21, 30))
    assert first.application_closes == date(2026, 11, 28)
    assert first.women_only is True
    assert second.weekdays == ("sat", "sun")
    assert second.status == CourseStatus.FULL
    assert catalog.branches[0].keywords == ("kahve", "espresso")
    sessions = [s for s in catalog.sessions if s.course == first.id]
    assert [s.id for s in sessions][:2] == ["barista-buca-2612a-1", "barista-buca-2612a-2"]
    assert sessions[0].starts_at == datetime(2026, 12, 2, 18, 30, tzinfo=TZ)
    assert all(s.starts_at.tzinfo is not None for s in catalog.sessions)


def test_broken_workbook_lists_every_problem_with_its_place(tmp_path: Path) -> None:
    sheets = dict(BASE_SHEETS)
    sheets["Merkezler"] = [*BASE_SHEETS["Merkezler"], ["Karşıyaka", "K", "Karşıyaka", "", 95, 27]]
    sheets["Kurslar"] = [
        COURSE_HEADER,
        ["c1", "pilot", "buca", 20, "2026-02-30", "2026-12-30", "mon", "18:30", "21:30"],
        ["c1", "barista", "buca", -1, "2026-12-01", "2026-11-01", "pazartes", "25:00",
         "21:30", "2026-12-01", "2026-11-01", "belki"],
        ["c2", "barista", "nowhere", 10, "2026-12-01", "2026-12-30", "mon", "21:30", "18:30"],
        ["c3", "barista", None, 10, "2026-12-01", "2026-12-30", "mon", "18:30", "21:30"],
    ]  # fmt: skip
    sheets["Oturumlar"] = [["Kurs", "Başlangıç", "Bitiş"], ["ghost", "2026-12-02 18:30", "x"]]
    path = _workbook(tmp_path / "broken.xlsx", sheets)
    with pytest.raises(CatalogError) as caught:
        read_catalog(path, TZ)
    found = {(p.sheet, p.row, p.column) for p in caught.value.problems}
    expected = {
        ("Merkezler", 3, "Kimlik"),  # not a slug
        ("Merkezler", 3, "Enlem"),  # latitude out of range
        ("Kurslar", 2, "Başlangıç"),  # 30 February
        ("Kurslar", 2, "Branş"),  # unknown branch
        ("Kurslar", 3, "Kimlik"),  # duplicate id
        ("Kurslar", 3, "Günler"),  # unknown weekday
        ("Kurslar", 3, "Başlangıç saati"),  # 25:00
        ("Kurslar", 3, "Durum"),  # unknown status
        ("Kurslar", 4, "Merkez"),  # unknown centre
        ("Kurslar", 4, "Bitiş saati"),  # ends before it starts
        ("Kurslar", 5, "Merkez"),  # missing required cell
        ("Oturumlar", 2, "Bitiş"),  # not a date
    }
    assert expected <= found
    text = str(caught.value)
    assert "broken.xlsx, sayfa “Kurslar”, satır 2, sütun “Başlangıç”" in text
    assert "“2026-02-30” geçerli bir tarih değil" in text
    assert "hiçbir değişiklik yapılmadı" in text


def test_cross_field_checks(tmp_path: Path) -> None:
    sheets = dict(BASE_SHEETS)
    sheets["Kurslar"] = [
        COURSE_HEADER,
        ["c1", "barista", "buca", -1, "2026-12-10", "2026-12-01", "mon", "18:30", "21:30",
         "2026-12-01", "2026-11-01"],
    ]  # fmt: skip
    with pytest.raises(CatalogError) as caught:
        read_catalog(_workbook(tmp_path / "x.xlsx", sheets), TZ)
    columns = {p.column for p in caught.value.problems}
    assert columns == {"Kontenjan", "Bitiş", "Başvuru kapanış"}


def test_missing_required_column_is_reported_once(tmp_path: Path) -> None:
    sheets = {"Alanlar": [["Kimlik"], ["a"], ["b"]]}
    with pytest.raises(CatalogError) as caught:
        read_catalog(_workbook(tmp_path / "x.xlsx", sheets), TZ)
    assert len(caught.value.problems) == 1
    assert "Ad" in caught.value.problems[0].message


def test_partial_file_may_refer_to_existing_ids(tmp_path: Path) -> None:
    row: list[object] = ["c1", "barista", "buca", 10, "2026-12-01", "2026-12-30", "mon", "18:30"]
    sheets: dict[str, list[Sequence[object]]] = {"Kurslar": [COURSE_HEADER[:9], [*row, "21:30"]]}
    path = _workbook(tmp_path / "courses.xlsx", sheets)
    with pytest.raises(CatalogError, match="bir branş dosyada yok"):
        read_catalog(path, TZ)
    existing = ExistingIds(branches=frozenset({"barista"}), centers=frozenset({"buca"}))
    catalog = read_catalog(path, TZ, existing=existing)
    assert [c.id for c in catalog.courses] == ["c1"]
    assert len(catalog.sessions) == 4  # the Mondays of December 2026


def test_csv_folder_with_extra_columns_semicolons_and_windows_encoding(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    sample = resources.files("storage.sample")
    for name in ("fields.csv", "branches.csv", "centers.csv"):
        (folder / name).write_text(sample.joinpath(name).read_text(encoding="utf-8"), "utf-8")
    courses = (
        "Kimlik;Branş;Merkez;Kontenjan;Başlangıç;Bitiş;Günler;Başlangıç saati;Bitiş saati\n"
        "barista-buca-2612a;barista;buca;20;01.12.2026;30.12.2026;Salı ve Perşembe;18:30;21:30\n"
    )
    (folder / "kurslar.csv").write_bytes(courses.encode("cp1254"))
    catalog = read_catalog(folder, TZ)
    assert (len(catalog.fields), len(catalog.branches), len(catalog.centers)) == (35, 215, 29)
    assert catalog.courses[0].weekdays == ("tue", "thu")
    assert {s.starts_at.date().weekday() for s in catalog.sessions} == {1, 3}


def test_csv_zip_round_trip_and_single_csv(tmp_path: Path, sample: Catalog) -> None:
    write_catalog(sample, tmp_path / "out.csv", TZ)  # ".csv" is a folder of CSV files
    single = tmp_path / "fields.csv"
    shutil.copy(tmp_path / "out.csv" / "fields.csv", single)
    assert read_catalog(single, TZ).fields == sample.fields


def test_yaml_problems_carry_line_numbers_and_times_stay_times() -> None:
    with pytest.raises(CatalogError) as caught:
        read_catalog(DATA / "catalog_broken.yaml", TZ)
    (problem,) = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("courses", 2, "start_time")
    catalog = read_catalog(DATA / "catalog_small.yaml", TZ)
    course = catalog.courses[0]
    assert (course.start_time, course.end_time) == (time(18, 30), time(21, 30))
    listed = catalog.sessions[0]
    assert listed.id == "web-buca-2701a-1"
    assert listed.status == SessionStatus.CANCELLED
    assert catalog.sessions[1].holiday == "Yılbaşı"  # listed on 1 January: flagged, kept


def test_template_reads_back_as_an_empty_catalog(tmp_path: Path) -> None:
    shipped = Path(str(resources.files("storage.sample").joinpath("template.xlsx")))
    assert read_catalog(shipped, TZ) == Catalog()
    write_template(tmp_path / "t.xlsx")
    assert (tmp_path / "t.xlsx").read_bytes() == shipped.read_bytes()


@pytest.mark.parametrize(
    ("name", "message"),
    [("nothing.xlsx", "dosya bulunamadı"), ("bad.xlsx", "Excel dosyası açılamadı"),
     ("x.pdf", "desteklenmeyen")],
)  # fmt: skip
def test_unreadable_files_are_catalog_errors(tmp_path: Path, name: str, message: str) -> None:
    if name != "nothing.xlsx":
        (tmp_path / name).write_bytes(b"not a workbook")
    with pytest.raises(CatalogError, match=message):
        read_catalog(tmp_path / name, TZ)


def test_a_truncated_sheet_is_a_catalog_error(tmp_path: Path, sample: Catalog) -> None:
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    write_catalog(sample, good, TZ)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("sheet4.xml"):
                data = data[: len(data) // 2]
            out.writestr(info, data)
    with pytest.raises(CatalogError, match="sayfa okunamadı") as caught:
        read_catalog(bad, TZ)
    assert caught.value.problems[0].sheet == "Kurslar"


HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def hostile(sample: Catalog) -> Catalog:
    """The sample with free text that would start a spreadsheet formula in every kind of cell."""
    field, *fields = sample.fields
    branch, *branches = sample.branches
    center, *centers = sample.centers
    first, second, *courses = sample.courses
    session, *sessions = sample.sessions
    return Catalog(
        [replace(field, name="@Alan"), *fields],
        [replace(branch, keywords=("-indirim", *branch.keywords), description="+ek"), *branches],
        [
            replace(center, address=HYPERLINK, hours="-", phone="+90 232 293 46 00"),
            *centers,
        ],
        [replace(first, notes="+90 dial"), replace(second, notes="'-zaten tırnaklı"), *courses],
        [replace(session, reason="-indirim"), *sessions],
    )


def test_every_free_text_column_is_guarded_and_nothing_else() -> None:
    for entity in ENTITIES:
        text = FREE_TEXT.get(entity.key, frozenset())
        phones = PHONES.get(entity.key, frozenset())
        free = {c.key for c in entity.columns if c.kind in ("text", "keywords")}
        assert text | phones == free, entity.key
        assert not text & phones


@pytest.mark.parametrize("name", ["c.xlsx", "csvdir", "catalog.zip", "catalog.yaml"])
def test_formula_guard_survives_export_and_import(
    tmp_path: Path, hostile: Catalog, name: str
) -> None:
    path = tmp_path / name
    write_catalog(hostile, path, TZ)
    back = read_catalog(path, TZ)
    assert back == hostile
    assert back.centers[0].address == HYPERLINK
    assert back.courses[0].notes == "+90 dial"
    assert back.courses[1].notes == "'-zaten tırnaklı"
    assert back.sessions[0].reason == "-indirim"


def test_xlsx_export_writes_guarded_string_cells(tmp_path: Path, hostile: Catalog) -> None:
    path = tmp_path / "c.xlsx"
    write_catalog(hostile, path, TZ)
    book = load_workbook(path)
    center = {h.value: c for h, c in zip(book["Merkezler"][1], book["Merkezler"][2], strict=True)}
    assert (center["Adres"].value, center["Adres"].data_type) == ("'" + HYPERLINK, "s")
    assert center["Çalışma saatleri"].value == "'-"
    assert center["Telefon"].value == "+90 232 293 46 00"  # a phone number stays as it is
    assert center["Enlem"].data_type == "n"
    courses = book["Kurslar"]
    notes = [h.value for h in courses[1]].index("Notlar")
    assert [row[notes].value for row in courses.iter_rows(min_row=2, max_row=3)] == [
        "'+90 dial",
        "''-zaten tırnaklı",
    ]
    branch = {
        h.value: c.value for h, c in zip(book["Branşlar"][1], book["Branşlar"][2], strict=True)
    }
    assert branch["Anahtar kelimeler"].startswith("'-indirim; ")
    assert branch["Açıklama"] == "'+ek"
    assert book["Alanlar"]["B2"].value == "'@Alan"
    book.close()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def test_csv_export_guards_free_text_only(tmp_path: Path, hostile: Catalog) -> None:
    write_catalog(hostile, tmp_path / "out", TZ)
    centers = _csv_rows(tmp_path / "out" / "centers.csv")
    assert centers[0]["address"] == "'" + HYPERLINK
    assert centers[0]["hours"] == "'-"
    assert centers[0]["phone"] == "+90 232 293 46 00"
    assert centers[0]["lat"] == str(hostile.centers[0].lat)
    courses = _csv_rows(tmp_path / "out" / "courses.csv")
    assert [c["notes"] for c in courses[:2]] == ["'+90 dial", "''-zaten tırnaklı"]
    assert courses[0]["starts_on"] == hostile.courses[0].starts_on.isoformat()
    sessions = _csv_rows(tmp_path / "out" / "sessions.csv")
    assert sessions[0]["reason"] == "'-indirim"
    assert _csv_rows(tmp_path / "out" / "branches.csv")[0]["keywords"].startswith("'-indirim;")
    write_catalog(hostile, tmp_path / "c.yaml", TZ)
    yaml_text = (tmp_path / "c.yaml").read_text(encoding="utf-8")
    assert f"address: {HYPERLINK}\n" in yaml_text  # YAML is no spreadsheet: written as it is


@pytest.mark.parametrize("name", ["c.xlsx", "c.yaml", "c.csv"])
def test_translated_names_travel_in_every_format(
    tmp_path: Path, sample: Catalog, name: str
) -> None:
    write_catalog(sample, tmp_path / name, TZ)
    back = read_catalog(tmp_path / name, TZ)
    barista = next(b for b in back.branches if b.id == "barista")
    assert (barista.name_en, barista.name_ar) == ("Barista", "باريستا")
    assert next(f for f in back.fields if f.id == "tarim").name_en == "Agriculture"
    assert next(c for c in back.centers if c.id == "buca").name_ar == "مركز دورات Buca"
    assert len([b for b in back.branches if b.name_en and b.name_ar]) == 215
