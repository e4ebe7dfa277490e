"""The command line as an operator or another program uses it: real processes, real files."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.bot.conftest import copy_seeded, make_settings
from tests.idnumbers import VALID_ID
from tests.processes import child_env


@pytest.fixture
def workdir(tmp_path: Path, seeded_db: Path) -> Path:
    copy_seeded(seeded_db, tmp_path)
    return tmp_path


def _env() -> dict[str, str]:
    env = child_env()
    env["MF_DATA_KEY"] = "test-data-key-0123456789"
    return env


def cli(workdir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=workdir,
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=False,
    )


def cli_bytes(workdir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The command's output as it was written, line ends and carriage returns included."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=workdir,
        capture_output=True,
        env=_env(),
        timeout=120,
        check=False,
    )


def chat_json(workdir: Path, lines: list[str], user: str = "ayse") -> list[dict[str, object]]:
    """Runs `meslek-bot chat --json`; one JSON object per input line, as the contract says."""
    done = cli(workdir, "chat", "--json", "--user", user, stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == len(lines)
    return out


def first_data(turn: dict[str, object], action: str) -> str:
    for reply in turn["replies"]:  # type: ignore[attr-defined]
        for button in reply["buttons"]:
            if button["data"].split("|")[0] == action:
                return str(button["data"])
    raise AssertionError(f"no {action} button in {turn}")


def text_of(turn: dict[str, object]) -> str:
    return "\n".join(r["text"] for r in turn["replies"])  # type: ignore[attr-defined]


def test_stats_on_an_empty_folder_loads_the_sample(tmp_path: Path) -> None:
    done = cli(tmp_path, "catalog", "stats", "--json")
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert (stats["centers"], stats["fields"], stats["branches"]) == (29, 35, 215)
    assert stats["courses"] >= 400
    assert stats["sessions"] > stats["courses"]
    assert "ÖRNEK" in done.stderr


def test_help_lists_the_commands(tmp_path: Path) -> None:
    done = cli(tmp_path, "--help")
    for command in ("run", "chat", "understand", "catalog", "applications", "backup", "trainees"):
        assert command in done.stdout


def test_understand_batch_prints_one_contract_line_each(workdir: Path) -> None:
    done = cli(workdir, "understand", stdin="barista kursu var mı\nbuca'da hangi kurslar var\n")
    lines = [json.loads(x) for x in done.stdout.splitlines()]
    assert lines[0]["branch"] == "barista"
    assert lines[1]["district"] == "Buca"
    keys = {"intent", "branch", "candidates", "field", "center", "district", "confidence"}
    assert all(set(x) == keys for x in lines)


def test_application_by_json_chat_survives_a_restart_and_exports_masked(workdir: Path) -> None:
    turns = chat_json(workdir, ["barista kursuna kayıt olmak istiyorum"])
    course = first_data(turns[0], "apply_course")
    turns = chat_json(workdir, [f"/press {course}"])
    consent = first_data(turns[0], "consent")
    turns = chat_json(workdir, [f"/press {consent}", "ayse yilmaz"])
    assert "Doğum" in text_of(turns[1])  # eligibility before the national id
    # A new process with the same --user continues at the same question.
    turns = chat_json(workdir, ["12/05/1998", "12345678951", VALID_ID, "/contact 0532 123 45 67"])
    assert "kimlik" in text_of(turns[0])
    assert "geçerli bir" in text_of(turns[1])
    assert "ilçe" in text_of(turns[3])
    turns = chat_json(workdir, ["karşıyaka", "geç", "geç"])
    send = first_data(turns[2], "summary")
    turns = chat_json(workdir, [f"/press {send}"])
    assert "MF-" in text_of(turns[0])

    exported = cli(workdir, "applications", "export", "--format", "json")
    rows = json.loads(exported.stdout)
    assert rows[0]["national_id"] == "12*******50"
    assert rows[0]["phone"] == "+905321234567"
    assert rows[0]["user"] == "console:ayse"
    assert rows[0]["created_at"].endswith("+03:00")
    revealed = json.loads(
        cli(workdir, "applications", "export", "--format", "json", "--reveal-ids").stdout
    )
    assert revealed[0]["national_id"] == VALID_ID

    number = rows[0]["number"]
    decided = cli(workdir, "applications", "accept", number)
    assert decided.returncode == 0
    assert "accepted" in decided.stdout
    listed = cli(workdir, "applications", "list")
    assert number in listed.stdout
    assert VALID_ID not in listed.stdout
    csv_out = cli(workdir, "applications", "export", "--format", "csv")
    assert VALID_ID not in csv_out.stdout
    assert number in csv_out.stdout


def test_unknown_application_number_is_refused(workdir: Path) -> None:
    done = cli(workdir, "applications", "reject", "MF-2026-999999")
    assert done.returncode == 1
    assert "böyle bir başvuru yok" in done.stderr


def test_broken_configuration_stops_with_one_line(workdir: Path) -> None:
    env_file = workdir / ".env"
    env_file.write_text("MF_QUIET_HOURS=22-8\n")
    done = cli(workdir, "catalog", "stats")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "MF_QUIET_HOURS" in done.stderr


def test_broken_workbook_is_refused_and_the_database_is_unchanged(workdir: Path) -> None:
    from openpyxl import load_workbook

    book = workdir / "katalog.xlsx"
    assert cli(workdir, "catalog", "export", str(book)).returncode == 0
    wb = load_workbook(book)
    courses = next(ws for ws in wb.worksheets if ws.title in ("Kurslar", "courses"))
    header = [c.value for c in courses[1]]
    col = {name: header.index(name) + 1 for name in header}
    id_col = next(col[k] for k in ("Kimlik", "id") if k in col)
    branch_col = next(col[k] for k in ("Branş", "branch") if k in col)
    start_col = next(col[k] for k in ("Başlangıç", "starts_on") if k in col)
    courses.cell(row=2, column=branch_col, value="boyle-bir-brans-yok")  # wrong reference
    courses.cell(row=3, column=start_col, value="30.02.2027")  # impossible date
    courses.cell(row=5, column=id_col, value=courses.cell(row=4, column=id_col).value)  # duplicate
    wb.save(book)
    wb.close()
    db_file = workdir / "data" / "meslek.db"
    before = db_file.read_bytes()
    done = cli(workdir, "catalog", "import", str(book))
    assert done.returncode == 1
    assert "hiçbir şey değişmedi" in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith("  - ")]
    assert len(problems) >= 3, done.stderr
    assert any("boyle-bir-brans-yok" in p for p in problems)
    assert any("satır 3" in p or "row 3" in p or ":3" in p for p in problems), problems
    assert db_file.read_bytes() == before


HOSTILE_NAMES = ['=HYPERLINK("http://evil","x")', "@SUM(A1)", "+1", "-2", "\tTAB", "\rCR"]


def _store_hostile_applications(workdir: Path) -> None:
    """Applications whose free text starts formulas, stored past the form's checks."""
    from bot.app import open_database, open_vault
    from core.records import NewApplication
    from storage import tables as t
    from storage.repos import SqlStore

    async def store() -> None:
        settings = make_settings(workdir)
        db, _ = await open_database(settings)
        try:
            async with db.write() as conn:
                course, branch = (
                    await conn.execute(select(t.courses.c.id, t.courses.c.branch_id).limit(1))
                ).one()
                repo = SqlStore(conn, open_vault(settings), datetime(2026, 1, 5, tzinfo=UTC))
                for n, name in enumerate(HOSTILE_NAMES):
                    app = NewApplication(
                        user="@evil:1" if n == 0 else f"console:u{n}",
                        course=course,
                        branch=branch,
                        full_name=name,
                        national_id=VALID_ID,
                        birth_date=date(1998, 5, 12),
                        phone="+905321234567",
                        district="-Buca" if n == 0 else "Buca",
                        education="=1+1" if n == 0 else "lise",
                    )
                    await repo.create_application(app, capacity=100)
        finally:
            await db.dispose()

    asyncio.run(store())


def test_applications_export_neutralises_formulas_in_every_format(workdir: Path) -> None:
    from openpyxl import load_workbook

    from storage.exports import EXPORT_COLUMNS

    _store_hostile_applications(workdir)
    name, phone = EXPORT_COLUMNS.index("full_name"), EXPORT_COLUMNS.index("phone")
    quoted = ["'" + text for text in HOSTILE_NAMES]

    stdout = cli_bytes(workdir, "applications", "export", "--format", "csv")
    assert stdout.returncode == 0, stdout.stderr
    assert stdout.stdout.startswith(b"number,status,user,")  # no BOM on a terminal
    table = list(csv.reader(io.StringIO(stdout.stdout.decode("utf-8"), newline="")))
    assert [r[name] for r in table[1:]] == quoted
    assert [r[phone] for r in table[1:]] == ["+905321234567"] * len(HOSTILE_NAMES)
    first = dict(zip(table[0], table[1], strict=True))
    assert (first["user"], first["channel"]) == ("'@evil:1", "'@evil")
    assert (first["district"], first["education"]) == ("'-Buca", "'=1+1")
    assert first["number"].startswith("MF-")
    assert first["national_id"] == "12*******50"

    out = workdir / "basvurular.csv"
    assert (
        cli(workdir, "applications", "export", "--format", "csv", "--output", str(out)).returncode
        == 0
    )
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Turkish letters
    assert data == b"\xef\xbb\xbf" + stdout.stdout

    book_path = workdir / "basvurular.xlsx"
    done = cli(workdir, "applications", "export", "--format", "xlsx", "--output", str(book_path))
    assert done.returncode == 0, done.stderr
    rows = list(load_workbook(book_path)["Başvurular"].iter_rows())
    assert [c.value for c in rows[0]] == EXPORT_COLUMNS
    names = [r[name] for r in rows[1:]]
    assert [c.data_type for c in names] == ["s"] * len(HOSTILE_NAMES)
    assert [c.value for c in names] == [*quoted[:-1], "'\nCR"]  # XML reads a bare CR as LF
    assert [(r[phone].value, r[phone].data_type) for r in rows[1:]] == [
        ("+905321234567", "s")
    ] * len(HOSTILE_NAMES)

    exported = json.loads(cli(workdir, "applications", "export", "--format", "json").stdout)
    assert [r["full_name"] for r in exported] == HOSTILE_NAMES
    assert {r["phone"] for r in exported} == {"+905321234567"}
    assert (exported[0]["user"], exported[0]["education"]) == ("@evil:1", "=1+1")
