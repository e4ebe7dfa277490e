"""Hostile catalog and trainee files are refused quickly, in little memory, with a clear problem.

Each bomb is read in a child process, once as bytes (as the panel hands them) and once by path
(as the CLI reads it), each reporting the seconds the read took and how far its peak RSS (VmHWM)
rose above what it was just before: the same child's baseline, so imports and the file's own
bytes are not counted. Without the caps these files cost gigabytes (the YAML alias bomb, the
zips) or crashed (the cell past XFD).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook

from locales.faq import FaqContentError, parse_faq
from storage.catalog_io import CatalogError, read_catalog, read_catalog_bytes
from storage.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_TRAINEE_ROWS,
    MAX_ZIP_MEMBERS,
)
from storage.problems import Problem
from storage.trainees import TraineeFileError, read_trainees, read_trainees_bytes
from tests.bot.conftest import copy_seeded
from tests.bot.test_cli import cli
from tests.storage.bombs import (
    SHEET_HEAD,
    Piece,
    alias_bomb,
    inline,
    sheet_xml,
    write_xlsx,
    write_zip,
)
from tests.storage.test_catalog_io import TZ

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 5.0
EXTRA_MB = 200.0

# Reads one file (as bytes, or by path) and prints the seconds it took, how far the peak RSS rose
# above the baseline taken just before, and the problems. The address space is capped so that a
# regression fails here instead of swapping.
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from storage.catalog_io import CatalogError, read_catalog, read_catalog_bytes
from storage.trainees import TraineeFileError, read_trainees, read_trainees_bytes

def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

kind, mode, path = sys.argv[1], sys.argv[2], Path(sys.argv[3])
data = path.read_bytes() if mode == "bytes" else b""
base = peak_kb()
start = time.perf_counter()
problems = None
try:
    if kind == "catalog" and mode == "bytes":
        read_catalog_bytes(path.name, data, ZoneInfo("UTC"))
    elif kind == "catalog":
        read_catalog(path, ZoneInfo("UTC"))
    elif mode == "bytes":
        read_trainees_bytes(path.name, data, {"c1"})
    else:
        read_trainees(path, {"c1"})
except (CatalogError, TraineeFileError) as exc:
    problems = [p.as_dict() for p in exc.problems]
seconds = time.perf_counter() - start
extra_mb = (peak_kb() - base) / 1024
print(json.dumps({"seconds": seconds, "extra_mb": extra_mb, "problems": problems}))
"""


def _read_in_child(kind: str, mode: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, mode, str(path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# The bombs --------------------------------------------------------------------------------------

_ROW = ('<row r="2">' + inline("A2", "x" * 40) + "</row>").encode()
_CSV_LINE = b"oturum-1,kurs-1,2026-12-01 18:30,2026-12-01 21:30\n"


def _repeated(unit: bytes, megabytes: int) -> list[Piece]:
    """`megabytes` MiB of `unit` over and over, as 4 MiB pieces."""
    chunk = unit * ((4 << 20) // len(unit))
    return [(chunk, megabytes * (1 << 20) // len(chunk))]


def _catalog_alias_bomb(folder: Path) -> Path:
    # Without the bound: 387 million strings as a field's name, 2+ GB once turned into text.
    path = folder / "katalog.yaml"
    path.write_text(alias_bomb(tail="fields:\n  - id: yiyecek\n    name: LAST\n"))
    return path


def _trainee_alias_bomb(folder: Path) -> Path:
    path = folder / "kursiyerler.yaml"
    tail = 'trainees:\n  - course: c1\n    ad soyad: LAST\n    telefon: "05321234567"\n'
    path.write_text(alias_bomb(tail=tail))
    return path


def _cell_past_xfd(folder: Path) -> Path:
    rows = f'<row r="1">{inline("A1", "Kimlik")}{inline("ZZZZZZZZ1", "x")}</row>'
    return write_xlsx(folder / "zz.xlsx", sheet_xml(rows))


def _whole_sheet_dimension(folder: Path) -> Path:
    # Declares every cell of the sheet; a reader trusting <dimension> walks a million rows.
    rows = f'<row r="1">{inline("A1", "Kimlik")}</row><row r="1048576">'
    rows += f"{inline('XFD1048576', 'x')}</row>"
    return write_xlsx(folder / "xfd.xlsx", sheet_xml(rows, "A1:XFD1048576"))


def _sheet_of_400_mb(folder: Path) -> Path:
    head, tail = (SHEET_HEAD + "<sheetData>").encode(), b"</sheetData></worksheet>"
    return write_xlsx(folder / "buyuk.xlsx", [(head, 1), *_repeated(_ROW, 400), (tail, 1)])


def _sheet_with_a_lying_header(folder: Path) -> Path:
    # The zip's headers say the sheet is 100 KB; it unpacks to 400 MB.
    head, tail = (SHEET_HEAD + "<sheetData>").encode(), b"</sheetData></worksheet>"
    pieces = [(head, 1), *_repeated(_ROW, 400), (tail, 1)]
    declared = {"xl/worksheets/sheet1.xml": 100_000}
    return write_xlsx(folder / "yalanci.xlsx", pieces, declared=declared)


def _csv_zip_bomb(folder: Path) -> Path:
    header = b"id,course,starts_at,ends_at\n"
    members = [("sessions.csv", [(header, 1), *_repeated(_CSV_LINE, 1500)])]
    return write_zip(folder / "katalog.zip", members)


def _csv_of_empty_fields(folder: Path) -> Path:
    # One line of 60 million empty fields: csv.reader alone would build a 480 MB list.
    members = [("sessions.csv", [(b"id,course\n", 1), *_repeated(b",", 60)])]
    return write_zip(folder / "virgul.zip", members)


def _deep_yaml(folder: Path) -> Path:
    # Deep enough to exhaust Python's stack in a recursive reader, not libyaml's own limit.
    path = folder / "derin.yaml"
    path.write_text("fields: " + "[" * 900 + "]" * 900 + "\n")
    return path


BOMBS = {
    "catalog YAML alias bomb": ("catalog", _catalog_alias_bomb, "takma ad *a0"),
    "trainee YAML alias bomb": ("trainees", _trainee_alias_bomb, "takma ad *a0"),
    "catalog cell at ZZZZZZZZ1": ("catalog", _cell_past_xfd, "“ZZZZZZZZ1” geçersiz"),
    "trainee cell at ZZZZZZZZ1": ("trainees", _cell_past_xfd, "“ZZZZZZZZ1” geçersiz"),
    "catalog A1:XFD1048576": ("catalog", _whole_sheet_dimension, "(XFD) değer var"),
    "trainee A1:XFD1048576": ("trainees", _whole_sheet_dimension, "(XFD) değer var"),
    "catalog 400 MB sheet": ("catalog", _sheet_of_400_mb, "400 MB"),
    "trainee 400 MB sheet": ("trainees", _sheet_of_400_mb, "400 MB"),
    "catalog lying zip header": ("catalog", _sheet_with_a_lying_header, "bozuk"),
    "catalog CSV zip bomb": ("catalog", _csv_zip_bomb, "1,5 GB"),
    "catalog CSV of empty fields": ("catalog", _csv_of_empty_fields, "1.048.576 karakterden uzun"),
    "catalog YAML nesting": ("catalog", _deep_yaml, "iç içe"),
    "trainee YAML nesting": ("trainees", _deep_yaml, "iç içe"),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_bomb_is_refused_quickly_in_little_memory(tmp_path: Path, bomb: str) -> None:
    kind, build, message = BOMBS[bomb]
    path = build(tmp_path)
    assert path.stat().st_size < 5_000_000  # each is small on disk
    for mode in ("bytes", "path"):  # as the panel hands it, as the CLI reads it
        read = _read_in_child(kind, mode, path)
        assert read["seconds"] <= SECONDS, (mode, read)
        assert read["extra_mb"] < EXTRA_MB, (mode, read)
        problems = read["problems"]
        assert problems is not None, f"{bomb} was accepted"
        assert len(problems) == 1, problems
        assert problems[0]["file"].startswith(path.name), problems  # "k.zip/sessions.csv"
        assert message in problems[0]["message"], problems


def test_the_caps_do_not_bite_a_far_formatted_cell(tmp_path: Path) -> None:
    # Stray formatting (an empty styled cell at XFD1048576) and the declared whole-sheet
    # dimension: the workbook is read as if they were not there.
    rows = f'<row r="1">{inline("A1", "Kimlik")}{inline("B1", "Ad")}</row>'
    rows += f'<row r="2">{inline("A2", "yiyecek")}{inline("B2", "Yiyecek İçecek")}</row>'
    rows += '<row r="1048576"><c r="XFD1048576" s="3"/></row>'
    path = write_xlsx(tmp_path / "k.xlsx", sheet_xml(rows, "A1:XFD1048576"), sheet="Alanlar")
    catalog = read_catalog(path, TZ)
    assert [(f.id, f.name) for f in catalog.fields] == [("yiyecek", "Yiyecek İçecek")]


# YAML -------------------------------------------------------------------------------------------


def test_an_alias_of_a_single_value_is_still_read() -> None:
    # Catalog exports before this change repeated dates as &id001 … *id001.
    text = "fields:\n  - id: &x yiyecek\n    name: *x\n"
    catalog = read_catalog_bytes("k.yaml", text.encode(), TZ)
    assert [(f.id, f.name) for f in catalog.fields] == [("yiyecek", "yiyecek")]


def test_aliases_repeating_too_much_text_are_refused() -> None:
    long = "x" * 300_000
    text = f"a: &long {long}\nb: [*long, *long, *long, *long]\nfields: []\n"
    with pytest.raises(CatalogError) as caught:
        read_catalog_bytes("k.yaml", text.encode(), TZ)
    [problem] = caught.value.problems
    assert problem.row == 2
    assert "1.000.000 karakterden fazlasını" in problem.message


def test_the_yaml_export_writes_no_aliases(tmp_path: Path) -> None:
    from dataclasses import replace

    from core.catalog import Catalog
    from storage.catalog_io import write_catalog
    from storage.sample.generate import build_sample_catalog
    from tests.storage.test_catalog_io import TODAY

    sample = build_sample_catalog(TODAY, TZ)
    first = sample.courses[0]
    twin = replace(first, id=f"{first.id}-2")  # the very same date objects as `first`
    catalog = Catalog(sample.fields, sample.branches, sample.centers, [first, twin])
    write_catalog(catalog, tmp_path / "k.yaml", TZ)
    events = list(yaml.parse((tmp_path / "k.yaml").read_text(encoding="utf-8")))
    assert not [e for e in events if isinstance(e, yaml.AliasEvent)]
    assert (
        read_catalog(tmp_path / "k.yaml", TZ).courses
        == read_catalog_bytes("k.yaml", (tmp_path / "k.yaml").read_bytes(), TZ).courses
    )
    assert [c.id for c in read_catalog(tmp_path / "k.yaml", TZ).courses] == [first.id, twin.id]


def test_a_yaml_record_of_any_size_is_refused() -> None:
    keywords = ", ".join(["kahve"] * 10_000)
    text = f"fields:\n  - id: yiyecek\n    name: Yiyecek\n    keywords: [{keywords}]\n"
    with pytest.raises(CatalogError) as caught:
        read_catalog_bytes("k.yaml", text.encode(), TZ)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.row) == ("fields", 4)
    assert "bir kayıt 10.000 YAML öğesinden büyük" in problem.message


def test_an_undefined_alias_is_a_problem() -> None:
    with pytest.raises(CatalogError, match="takma ad \\*yok tanımlanmamış"):
        read_catalog_bytes("k.yaml", b"fields:\n  - id: *yok\n", TZ)
    with pytest.raises(TraineeFileError, match="takma ad \\*yok tanımlanmamış"):
        read_trainees_bytes("k.yaml", b"trainees:\n  - kurs: *yok\n", {"c1"})


def test_locale_files_use_the_bounded_loader() -> None:
    with pytest.raises(FaqContentError, match="takma ad"):
        parse_faq(alias_bomb(levels=3), "faq.test.yaml")
    with pytest.raises(FaqContentError, match="iç içe"):
        parse_faq("a: " + "[" * 5_000 + "]" * 5_000, "faq.test.yaml")


# CSV --------------------------------------------------------------------------------------------


def test_a_csv_field_longer_than_excel_allows_is_a_problem() -> None:
    data = f'id,name\nyiyecek,"{"x" * (MAX_CELL_CHARS + 1)}"\n'.encode()
    with pytest.raises(CatalogError) as caught:
        read_catalog_bytes("fields.csv", data, TZ)
    assert caught.value.problems == [
        Problem("fields.csv", "bir hücre 32.767 karakterden uzun", row=2)
    ]
    trainees = f"kurs,ad soyad,telefon\nc1,{'x' * (MAX_CELL_CHARS + 1)},05321234567\n"
    with pytest.raises(TraineeFileError, match="karakterden uzun"):
        read_trainees_bytes("k.csv", trainees.encode(), {"c1"})


def test_csv_columns_past_the_cap_must_be_empty() -> None:
    padding = "," * (MAX_COLUMNS + 50)  # Excel's CSV pads rows to the used range
    data = f"id,name{padding}\nyiyecek,Yiyecek{padding}\n".encode()
    assert [f.id for f in read_catalog_bytes("fields.csv", data, TZ).fields] == ["yiyecek"]
    far = f"id,name{padding}\nyiyecek,Yiyecek{padding}x\n".encode()
    with pytest.raises(CatalogError) as caught:
        read_catalog_bytes("fields.csv", far, TZ)
    [problem] = caught.value.problems
    assert problem.row == 2
    assert f"{MAX_COLUMNS + 52}. sütunda" in problem.message


def test_csv_records_past_excel_limits_are_refused() -> None:
    wide = b"id,name\n" + b"," * 70_000 + b"\n"
    with pytest.raises(CatalogError) as caught:
        read_catalog_bytes("fields.csv", wide, TZ)
    assert caught.value.problems == [
        Problem("fields.csv", "bir satırda 65.536'dan fazla ayırıcı var", row=2)
    ]
    line = b"id,name\n" + b"x" * (1 << 20) + b"\n"
    with pytest.raises(CatalogError) as caught:
        read_catalog_bytes("fields.csv", line, TZ)
    assert caught.value.problems == [
        Problem("fields.csv", "bir satır 1.048.576 karakterden uzun", row=2)
    ]
    long = b"id,name\n" + b"\n" * 1_048_576
    with pytest.raises(CatalogError) as caught:
        read_catalog_bytes("fields.csv", long, TZ)
    assert caught.value.problems == [
        Problem("fields.csv", "dosyada 1.048.576 satırdan fazlası var", row=1_048_577)
    ]


def _row(values: list[str]) -> str:
    return "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values) + "</row>"


def test_a_trainee_list_longer_than_the_cap_is_refused(tmp_path: Path) -> None:
    # The header and MAX_TRAINEE_ROWS trainees: one filled row too many, refused where it is.
    header, row = ["kurs", "ad soyad", "telefon"], ["c1", "Ayşe Yılmaz", "05321234567"]
    out = io.StringIO()
    csv.writer(out).writerows([header, [], *[row] * MAX_TRAINEE_ROWS])  # a blank line is free
    with pytest.raises(TraineeFileError) as caught:
        read_trainees_bytes("k.csv", out.getvalue().encode(), {"c1"})
    assert caught.value.problems == [
        Problem("k.csv", "dosyada en fazla 50.000 dolu satır (başlıklar dahil) okunur; dosyayı "
                "bölün", row=MAX_TRAINEE_ROWS + 2)
    ]  # fmt: skip
    # Rows and cells without references (r="…") are numbered in order, as Excel reads them.
    start, end = f"{SHEET_HEAD}<sheetData>{_row(header)}", "</sheetData></worksheet>"
    pieces = [(start.encode(), 1), (_row(row).encode(), MAX_TRAINEE_ROWS), (end.encode(), 1)]
    path = write_xlsx(tmp_path / "k.xlsx", pieces, sheet="Kursiyerler")
    with pytest.raises(TraineeFileError) as caught:
        read_trainees(path, {"c1"})
    [problem] = caught.value.problems
    assert (problem.sheet, problem.row) == ("Kursiyerler", MAX_TRAINEE_ROWS + 1)
    assert "en fazla 50.000 dolu satır" in problem.message
    text = "trainees:\n" + "  - {kurs: c1, ad soyad: Ayşe Yılmaz, telefon: '05321234567'}\n" * (
        MAX_TRAINEE_ROWS + 1
    )
    with pytest.raises(TraineeFileError) as caught:
        read_trainees_bytes("k.yaml", text.encode(), {"c1"})
    [problem] = caught.value.problems
    assert problem.row == MAX_TRAINEE_ROWS + 2
    assert "en fazla 50.000 dolu satır" in problem.message


# Zips and whole files ---------------------------------------------------------------------------


def test_too_many_zip_members_are_refused(tmp_path: Path) -> None:
    members = [(f"x{i}.csv", [(b"id\n", 1)]) for i in range(MAX_ZIP_MEMBERS + 1)]
    with pytest.raises(CatalogError, match="1.001 dosya var"):
        read_catalog(write_zip(tmp_path / "k.zip", members), TZ)


def test_a_huge_zip_directory_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    name = "d" * 200
    members = [(f"{name}{i:05d}.csv", [(b"", 1)]) for i in range(6_000)]
    with pytest.raises(CatalogError, match="içindekiler listesi çok büyük"):
        read_catalog(write_zip(tmp_path / "k.zip", members), TZ)


def test_a_zip_packed_another_way_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "k.zip", "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("fields.csv", "id,name\nyiyecek,Yiyecek\n")
    with pytest.raises(CatalogError) as caught:
        read_catalog(tmp_path / "k.zip", TZ)
    assert "desteklenmeyen bir yöntemle sıkıştırılmış" in caught.value.problems[0].message
    encrypted = write_zip(tmp_path / "s.zip", [("fields.csv", [(b"id,name\n", 1)])], flags=1)
    with pytest.raises(CatalogError, match="şifreli"):
        read_catalog(encrypted, TZ)


def test_a_damaged_csv_in_a_zip_is_a_problem(tmp_path: Path) -> None:
    members = [("fields.csv", [(b"id,name\nyiyecek,Yiyecek\n", 1)])]
    path = write_zip(tmp_path / "k.zip", members, declared={"fields.csv": 10})  # CRC fails
    with pytest.raises(CatalogError) as caught:
        read_catalog(path, TZ)
    [problem] = caught.value.problems
    assert problem.file == "k.zip/fields.csv"
    assert "bozuk olabilir" in problem.message


def test_files_over_the_size_cap_are_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "fields.csv"
    with big.open("wb") as out:  # sparse: no disk used
        out.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(CatalogError, match="dosya çok büyük"):
        read_catalog(big, TZ)
    with pytest.raises(CatalogError, match="dosya çok büyük"):
        read_catalog(big.rename(tmp_path / "k.xlsx"), TZ)
    with pytest.raises(TraineeFileError, match="dosya çok büyük"):
        read_trainees(tmp_path / "k.xlsx", {"c1"})
    with pytest.raises(CatalogError, match="dosya çok büyük"):
        read_catalog_bytes("k.csv", bytes(MAX_FILE_BYTES + 1), TZ)


def test_a_number_too_big_for_a_date_is_a_cell_problem(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["kurs", "ad soyad", "telefon"])
    sheet.append(["c1", "Ayşe Yılmaz", 1e300])
    sheet["C2"].number_format = "dd.mm.yyyy"  # a date cell: 1e300 days is no date
    book.save(tmp_path / "k.xlsx")
    with pytest.raises(TraineeFileError) as caught:
        read_trainees(tmp_path / "k.xlsx", {"c1"})
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (2, "telefon")


# The command line -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "build", "refused"),
    [
        ("catalog", _catalog_alias_bomb, "Katalog yüklenmedi; hiçbir şey değişmedi. 1 sorun:"),
        ("catalog", _sheet_of_400_mb, "Katalog yüklenmedi; hiçbir şey değişmedi. 1 sorun:"),
        ("trainees", _trainee_alias_bomb, "Kursiyerler yüklenmedi; hiçbir şey değişmedi. 1 sorun:"),
    ],
)
def test_the_cli_refuses_a_bomb_and_changes_nothing(
    tmp_path: Path, seeded_db: Path, command: str, build: Any, refused: str
) -> None:
    copy_seeded(seeded_db, tmp_path)
    bomb = build(tmp_path)
    db_file = tmp_path / "data" / "meslek.db"
    before = db_file.read_bytes()
    done = cli(tmp_path, command, "import", str(bomb))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == refused, done.stderr
    assert len(lines) == 2, done.stderr
    assert lines[1].startswith(f"  - {bomb.name}"), done.stderr
    assert db_file.read_bytes() == before
