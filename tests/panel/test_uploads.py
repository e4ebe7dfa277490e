"""Uploads in the panel: catalog and trainee lists, problems shown, previews, confirmation."""

from __future__ import annotations

import dataclasses
import io
import re
import tempfile
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import Table, func, select

from storage import tables as t
from storage.catalog_io import write_catalog
from storage.catalog_repo import catalog_stats, load_catalog
from storage.session_changes import catalog_version
from tests.idnumbers import make_national_id
from tests.panel.rig import Rig, csrf_of, form_token, sign_in

pytestmark = pytest.mark.asyncio

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UPLOAD = re.compile(r'name="upload" value="([0-9a-f]{32})"')


def upload_id(page: str) -> str:
    found = _UPLOAD.search(page)
    assert found, "no upload id in the page"
    return found.group(1)


async def send(
    c: httpx.AsyncClient,
    path: str,
    name: str,
    data: bytes,
    **fields: str,
) -> httpx.Response:
    token = await form_token(c, "/uploads")
    return await c.post(
        path,
        data={"csrf": token, **fields},
        files={"file": (name, data, "application/octet-stream")},
    )


async def confirm(c: httpx.AsyncClient, kind: str, upload: str) -> httpx.Response:
    token = await form_token(c, "/uploads")
    return await c.post(f"/uploads/{kind}/confirm", data={"csrf": token, "upload": upload})


async def kept_uploads(rig: Rig) -> list[dict[str, Any]]:
    async with rig.db.read() as conn:
        return [dict(r) for r in (await conn.execute(select(t.panel_uploads))).mappings()]


async def count(rig: Rig, table: Table) -> int:
    async with rig.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def version(rig: Rig) -> str:
    async with rig.db.read() as conn:
        return await catalog_version(conn)


def with_courses(template: bytes, *rows: list[Any]) -> bytes:
    """The catalog template with `rows` on its "Kurslar" sheet."""
    book = load_workbook(io.BytesIO(template))
    for row in rows:
        book["Kurslar"].append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def course_row(course: str, branch: str, centre: str, starts: str = "") -> list[Any]:
    start = starts or (date.today() + timedelta(days=40)).strftime("%d.%m.%Y")
    end = (date.today() + timedelta(days=70)).strftime("%d.%m.%Y")
    return [course, branch, centre, 12, start, end, "Pazartesi, Çarşamba", "18:30", "21:30"]


def trainee_csv(*rows: tuple[str, str, str]) -> bytes:
    lines = ["Kurs;Ad Soyad;Telefon;TC Kimlik No"]
    lines += [
        f"{course};{name};{phone};{make_national_id('123456789')}" for course, name, phone in rows
    ]
    return ("\n".join(lines) + "\n").encode()


async def wait(rig: Rig, c: httpx.AsyncClient, delta: timedelta) -> None:
    """Lets `delta` pass, using the panel every ten minutes (sessions close when idle)."""
    step = timedelta(minutes=10)
    while delta > timedelta(0):
        rig.advance(min(step, delta))
        delta -= step
        assert (await c.get("/uploads")).status_code == 200


@pytest.fixture
async def admin(rig: Rig) -> AsyncIterator[httpx.AsyncClient]:
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        yield c


# --- The page -----------------------------------------------------------------------------------


async def test_the_page_has_both_forms_and_the_templates_for_an_admin(
    rig: Rig, admin: httpx.AsyncClient
) -> None:
    page = await admin.get("/uploads")
    assert page.status_code == 200
    for text in (
        "Katalog yükle",
        "Kursiyer listesi yükle",
        'enctype="multipart/form-data"',
        '<label for="catalog-file">',
        '<label for="catalog-replace">Kataloğu değiştir (dosyada olmayanları kaldır)</label>',
        '<label for="catalog-force">Başvurusu olan kursları arşivle</label>',
        '<label for="trainees-file">',
    ):
        assert text in page.text
    catalog = await admin.get("/uploads/katalog-sablonu.xlsx")
    assert catalog.status_code == 200
    assert catalog.headers["content-type"] == XLSX
    assert load_workbook(io.BytesIO(catalog.content)).sheetnames[3] == "Kurslar"
    trainees = await admin.get("/uploads/kursiyer-listesi-sablonu.xlsx")
    sheet = load_workbook(io.BytesIO(trainees.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["Kurs", "Ad Soyad", "Telefon", "T.C. Kimlik No"]
    # The reader knows every header of the empty template: it only misses the rows.
    empty = await send(admin, "/uploads/trainees", "liste.xlsx", trainees.content)
    assert empty.status_code == 400
    assert "hiç kursiyer satırı yok" in empty.text
    assert "zorunlu sütun eksik" not in empty.text


# --- The catalog --------------------------------------------------------------------------------


async def test_a_bad_workbook_shows_its_problems_and_changes_nothing(
    rig: Rig, admin: httpx.AsyncClient
) -> None:
    first = (await rig.centres())[0]
    _, branch = await rig.course_at(first)
    template = (await admin.get("/uploads/katalog-sablonu.xlsx")).content
    data = with_courses(
        template,
        course_row("yeni-kurs-1", branch, "olmayan-merkez"),
        course_row("yeni-kurs-2", branch, first, starts="31.02.2027"),
    )
    before = await catalog_stats(rig.db)
    page = await send(admin, "/uploads/catalog", "katalog.xlsx", data)
    assert page.status_code == 400
    assert "“katalog.xlsx” yüklenmedi" in page.text
    assert '<table class="problems">' in page.text
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page.text)
    assert ("katalog.xlsx", "Kurslar", "2") in rows
    assert ("katalog.xlsx", "Kurslar", "3") in rows
    assert "olmayan-merkez" in page.text
    assert "<td>Merkez</td>" in page.text
    assert "<td>Başlangıç</td>" in page.text
    assert await catalog_stats(rig.db) == before
    assert await kept_uploads(rig) == []


async def test_a_good_workbook_is_previewed_then_imported(
    rig: Rig, admin: httpx.AsyncClient
) -> None:
    first = (await rig.centres())[0]
    _, branch = await rig.course_at(first)
    template = (await admin.get("/uploads/katalog-sablonu.xlsx")).content
    data = with_courses(template, course_row("yeni-kurs-1", branch, first))
    before, old_version = await catalog_stats(rig.db), await version(rig)
    preview = await send(admin, "/uploads/catalog", "yeni.xlsx", data)
    assert preview.status_code == 200, preview.text
    assert preview.headers["cache-control"] == "no-store"
    assert "Katalog önizleme: yeni.xlsx" in preview.text
    assert "yeni-kurs-1" in preview.text
    assert "Onayla ve yükle" in preview.text
    assert await catalog_stats(rig.db) == before  # a preview writes nothing
    [kept] = await kept_uploads(rig)
    assert rig.vault.decrypt_bytes(kept["data"]) == data

    done = await confirm(admin, "catalog", upload_id(preview.text))
    assert done.status_code == 303
    assert done.headers["location"] == "/uploads?done=catalog"
    assert "Katalog yüklendi." in (await admin.get(done.headers["location"])).text
    after = await catalog_stats(rig.db)
    assert after["courses"] == before["courses"] + 1
    assert after["sessions"] > before["sessions"]
    async with rig.db.read() as conn:
        found = await conn.execute(
            select(t.courses.c.center_id).where(t.courses.c.id == "yeni-kurs-1")
        )
        assert found.scalar_one() == first
    assert int(await version(rig)) == int(old_version) + 1
    [row] = await rig.audit("catalog_uploaded")
    assert (row.actor, row.target) == ("ayse@mf.test", "yeni.xlsx")
    assert row.detail["replace"] is False
    assert row.detail["courses"]["added"] == 1
    assert await kept_uploads(rig) == []
    again = await confirm(admin, "catalog", upload_id(preview.text))  # used: refused
    assert again.status_code == 404
    assert "Bu yükleme bulunamadı" in again.text
    assert len(await rig.audit("catalog_uploaded")) == 1


async def test_replacing_needs_archiving_for_courses_with_applications(
    rig: Rig, admin: httpx.AsyncClient, tmp_path: Path
) -> None:
    first = (await rig.centres())[0]
    course, branch = await rig.course_at(first)
    await rig.apply(course, branch)
    catalog = await load_catalog(rig.db)
    without = dataclasses.replace(
        catalog,
        courses=[c for c in catalog.courses if c.id != course],
        sessions=[s for s in catalog.sessions if s.course != course],
    )
    path = tmp_path / "tum-katalog.xlsx"
    write_catalog(without, path, rig.settings.tz)
    data = path.read_bytes()
    before = await catalog_stats(rig.db)

    refused = await send(admin, "/uploads/catalog", path.name, data, replace="1")
    assert refused.status_code == 200
    assert "başvuruları ya da kayıtlı kursiyerleri var" in refused.text
    assert "“Başvurusu olan kursları arşivle” kutusunu" in refused.text
    assert "--force" not in refused.text
    assert re.search(r"<button type=\"submit\" disabled[^>]*>Onayla ve yükle", refused.text)
    tried = await confirm(admin, "catalog", upload_id(refused.text))
    assert tried.status_code == 409
    assert "Katalog yüklenmedi." in tried.text
    assert await catalog_stats(rig.db) == before
    assert await rig.audit("catalog_uploaded") == []

    forced = await send(admin, "/uploads/catalog", path.name, data, replace="1", force="1")
    assert forced.status_code == 200
    assert "başvuruları ya da kayıtlı kursiyerleri var" not in forced.text
    assert course in forced.text  # listed among the courses to archive
    done = await confirm(admin, "catalog", upload_id(forced.text))
    assert done.status_code == 303
    async with rig.db.read() as conn:
        status = await conn.execute(select(t.courses.c.status).where(t.courses.c.id == course))
        assert status.scalar_one() == "archived"
    [row] = await rig.audit("catalog_uploaded")
    assert (row.detail["replace"], row.detail["force"]) == (True, True)
    assert row.detail["courses"]["archived"] == 1
    # The confirmed file is gone; the refused one waits to be cancelled (or to expire).
    assert [u["id"] for u in await kept_uploads(rig)] == [upload_id(refused.text)]


# --- Trainee lists ------------------------------------------------------------------------------


@pytest.fixture
async def centre_staff(rig: Rig) -> AsyncIterator[httpx.AsyncClient]:
    first = (await rig.centres())[0]
    await rig.add_staff("mehmet@mf.test", role="centre", centres=(first,))
    async with rig.client() as c:
        await sign_in(c, "mehmet@mf.test")
        yield c


async def test_centre_staff_may_not_upload_a_catalog(
    rig: Rig, centre_staff: httpx.AsyncClient
) -> None:
    page = await centre_staff.get("/uploads")
    assert page.status_code == 200
    assert "Kursiyer listesi yükle" in page.text
    assert "Katalog yükle" not in page.text
    assert (await centre_staff.get("/uploads/katalog-sablonu.xlsx")).status_code == 403
    before = await catalog_stats(rig.db)
    refused = await send(centre_staff, "/uploads/catalog", "k.yaml", b"courses: []\n")
    assert refused.status_code == 403
    token = csrf_of(page.text)
    bogus = await centre_staff.post(
        "/uploads/catalog/confirm", data={"csrf": token, "upload": "0" * 32}
    )
    assert bogus.status_code == 403
    assert await catalog_stats(rig.db) == before
    assert await kept_uploads(rig) == []


async def test_centre_staff_add_trainees_to_their_own_courses(
    rig: Rig, centre_staff: httpx.AsyncClient
) -> None:
    first = (await rig.centres())[0]
    course, _ = await rig.course_at(first)
    data = trainee_csv(
        (course, "Ayşe Yılmaz", "0532 123 45 67"),
        (course, "Can Demir", "+905331112233"),
        (course, "Can Demir", "0533 111 22 33"),  # the same phone again: skipped
    )
    preview = await send(centre_staff, "/uploads/trainees", "kursiyerler.csv", data)
    assert preview.status_code == 200, preview.text
    assert preview.headers["cache-control"] == "no-store"
    assert "2 kursiyer eklenecek, 1 satır atlanacak" in preview.text
    assert course in preview.text
    assert await count(rig, t.enrolments) == 0
    [kept] = await kept_uploads(rig)
    for plain in ("Ayşe Yılmaz", "Yılmaz", "Can Demir", "Demir", "5331112233", "123 45 67"):
        assert plain not in kept["data"]
    assert kept["filename"] == "kursiyerler.csv"
    assert rig.vault.decrypt_bytes(kept["data"]) == data

    done = await confirm(centre_staff, "trainees", upload_id(preview.text))
    assert done.status_code == 303
    assert done.headers["location"] == "/uploads?done=trainees&n=2"
    page = await centre_staff.get(done.headers["location"])
    assert "Kursiyer listesi yüklendi: 2 kişi eklendi." in page.text
    async with rig.db.read() as conn:
        rows = (await conn.execute(select(t.enrolments))).mappings().all()
    assert sorted(r["full_name"] for r in rows) == ["Ayşe Yılmaz", "Can Demir"]
    assert {r["course_id"] for r in rows} == {course}
    assert all(r["national_id_enc"] and r["source"] == "desk" for r in rows)
    [row] = await rig.audit("trainees_uploaded")
    assert (row.actor, row.target) == ("mehmet@mf.test", "kursiyerler.csv")
    assert row.detail == {"added": 2, "skipped": 1, "linked": 0, "courses": [course]}
    assert await kept_uploads(rig) == []


async def test_another_centres_course_is_a_problem_of_its_row(
    rig: Rig, centre_staff: httpx.AsyncClient
) -> None:
    first, second = (await rig.centres())[:2]
    mine, _ = await rig.course_at(first)
    theirs, _ = await rig.course_at(second)
    data = trainee_csv(
        (mine, "Ayşe Yılmaz", "0532 123 45 67"),
        (theirs, "Can Demir", "0533 111 22 33"),
    )
    page = await send(centre_staff, "/uploads/trainees", "liste.csv", data)
    assert page.status_code == 400
    assert "1 sorun var" in page.text
    assert re.search(
        r"<td>liste.csv</td>\s*<td>—</td>\s*<td>3</td>\s*<td>Kurs</td>\s*"
        rf"<td>&#39;{theirs}&#39; sizin merkezlerinizden birinin kursu değil</td>",
        page.text,
    ), page.text
    assert await count(rig, t.enrolments) == 0
    assert await kept_uploads(rig) == []
    assert await rig.audit("trainees_uploaded") == []


async def test_someone_elses_upload_is_refused(rig: Rig, admin: httpx.AsyncClient) -> None:
    course, _ = await rig.course_at((await rig.centres())[0])
    preview = await send(
        admin, "/uploads/trainees", "l.csv", trainee_csv((course, "Ayşe Yılmaz", "05321234567"))
    )
    mine = upload_id(preview.text)
    await rig.add_staff("zeynep@mf.test")
    async with rig.client() as other:
        await sign_in(other, "zeynep@mf.test")
        refused = await confirm(other, "trainees", mine)
        assert refused.status_code == 404
        assert "başka birine ait olabilir" in refused.text
        token = await form_token(other, "/uploads")
        await other.post("/uploads/cancel", data={"csrf": token, "upload": mine})
    assert len(await kept_uploads(rig)) == 1  # their cancel did not touch it
    assert await count(rig, t.enrolments) == 0
    wrong_kind = await confirm(admin, "catalog", mine)
    assert wrong_kind.status_code == 404
    assert (await confirm(admin, "trainees", mine)).status_code == 303
    assert await count(rig, t.enrolments) == 1


async def test_an_upload_expires_after_an_hour(rig: Rig, admin: httpx.AsyncClient) -> None:
    course, _ = await rig.course_at((await rig.centres())[0])
    data = trainee_csv((course, "Ayşe Yılmaz", "05321234567"))
    late = upload_id((await send(admin, "/uploads/trainees", "l.csv", data)).text)
    await wait(rig, admin, timedelta(minutes=61))
    refused = await confirm(admin, "trainees", late)
    assert refused.status_code == 410
    assert "süresi doldu" in refused.text
    assert await kept_uploads(rig) == []
    assert await count(rig, t.enrolments) == 0
    # Old uploads go whenever a new one arrives, even a bad one.
    await send(admin, "/uploads/trainees", "l.csv", data)
    await wait(rig, admin, timedelta(hours=2))
    await send(admin, "/uploads/trainees", "bos.csv", b"")
    assert await kept_uploads(rig) == []


async def test_cancelling_drops_the_kept_file(rig: Rig, admin: httpx.AsyncClient) -> None:
    course, _ = await rig.course_at((await rig.centres())[0])
    data = trainee_csv((course, "Ayşe Yılmaz", "05321234567"))
    kept = upload_id((await send(admin, "/uploads/trainees", "l.csv", data)).text)
    token = await form_token(admin, "/uploads")
    done = await admin.post("/uploads/cancel", data={"csrf": token, "upload": kept})
    assert done.status_code == 303
    page = await admin.get(done.headers["location"])
    assert "Yükleme iptal edildi; hiçbir şey değişmedi." in page.text
    assert await kept_uploads(rig) == []
    assert (await confirm(admin, "trainees", kept)).status_code == 404
    assert await count(rig, t.enrolments) == 0


# --- What is refused before reading -------------------------------------------------------------


async def test_missing_csrf_is_refused(rig: Rig, admin: httpx.AsyncClient) -> None:
    course, _ = await rig.course_at((await rig.centres())[0])
    refused = await admin.post(
        "/uploads/trainees",
        files={"file": ("l.csv", trainee_csv((course, "Ayşe Yılmaz", "05321234567")))},
    )
    assert refused.status_code == 403
    assert "Form süresi dolmuş" in refused.text
    assert await kept_uploads(rig) == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("liste.csv", b"", "“liste.csv” boş bir dosya"),
        ("liste.pdf", b"%PDF-1.4", "“liste.pdf” yüklenemez (.pdf)"),
        ("liste", b"x", "“liste” yüklenemez (uzantısız dosya)"),
    ],
)
async def test_empty_files_and_unknown_types_are_refused(
    rig: Rig, admin: httpx.AsyncClient, name: str, data: bytes, message: str
) -> None:
    for path in ("/uploads/trainees", "/uploads/catalog"):
        page = await send(admin, path, name, data)
        assert page.status_code == 400
        assert message in page.text
    assert await kept_uploads(rig) == []


async def test_no_file_chosen(admin: httpx.AsyncClient) -> None:
    token = await form_token(admin, "/uploads")
    page = await admin.post(
        "/uploads/trainees",
        data={"csrf": token},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert page.status_code == 400
    assert "Yüklemek için bir dosya seçin." in page.text


async def test_uploads_are_never_spooled_to_disk(
    rig: Rig, admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def on_disk(self: Any) -> None:
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "rollover", on_disk)
    course, _ = await rig.course_at((await rig.centres())[0])
    rows = [(course, f"Ayşe Yılmaz{'x' * 40}", "05321234567")] * 40_000  # some 3 MB
    page = await send(admin, "/uploads/trainees", "buyuk.csv", trainee_csv(*rows))
    assert page.status_code == 200, page.text[:2000]
    assert "1 kursiyer eklenecek" in page.text


async def test_a_body_sent_in_chunks_is_limited_too(rig: Rig, admin: httpx.AsyncClient) -> None:
    token = await form_token(admin, "/uploads")
    boundary = "sinir"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="l.csv"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()

    async def body() -> AsyncIterator[bytes]:
        yield head
        for _ in range(27):
            yield b"x" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    refused = await admin.post(
        "/uploads/trainees",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert refused.status_code == 413
    assert await kept_uploads(rig) == []
