"""Uploads: the catalog (admins) and trainee lists (admins and centre staff), previewed first.

An upload is checked at once; with problems the page lists them and nothing is kept. A good
file is kept encrypted in the database (never on disk) and previewed; only the person who
uploaded it can confirm it, within an hour. Confirming reads and checks it again, then imports
it in one write transaction with its audit line.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.panel.base import back, panel_of, render, staff_page, who
from storage import staff_store, upload_store
from storage.catalog_repo import CatalogPreview, EntityChanges, ImportReport, import_catalog
from storage.catalog_validate import CatalogError
from storage.catalog_xlsx import Sheet, write_workbook
from storage.crypto import KeyError_
from storage.problems import Problem, upload_name
from storage.session_changes import bump_catalog_version
from storage.trainees import TraineeFileError, TraineePreview, store_trainees
from storage.upload_store import StoredUpload
from storage.uploads import course_ids, preview_catalog_upload, preview_trainee_upload

CATALOG_TYPES = (".xlsx", ".xlsm", ".csv", ".zip", ".yaml", ".yml")
TRAINEE_TYPES = (".xlsx", ".xlsm", ".csv", ".yaml", ".yml")
ENTITY_LABELS = {
    "fields": "Alanlar",
    "branches": "Branşlar",
    "centers": "Merkezler",
    "courses": "Kurslar",
    "sessions": "Oturumlar",
    "faq": "Sık sorulanlar (eklenen cevaplar)",
}
SHOWN_IDS = 200  # ids listed per cell of the preview; the rest are counted
TRAINEE_HEADERS = ("Kurs", "Ad Soyad", "Telefon", "T.C. Kimlik No")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

GONE = (
    "Bu yükleme bulunamadı: onaylanmış, vazgeçilmiş ya da başka birine ait olabilir. "
    "Dosyayı yeniden yükleyin."
)
EXPIRED = "Bu yüklemenin süresi doldu (bir saat içinde onaylanmalı). Dosyayı yeniden yükleyin."
UNREADABLE = "Saklanan dosya okunamadı. Dosyayı yeniden yükleyin."
CONFLICT = (
    "Dosyada olmayan {n} kursun başvuruları ya da kayıtlı kursiyerleri var; bu kurslar "
    "silinemez. Yine de yüklemek isterseniz “Başvurusu olan kursları arşivle” kutusunu "
    "işaretleyip dosyayı yeniden yükleyin: bu kurslar silinmez, arşivlenir (yeni başvuru "
    "almazlar; başvuruları ve kursiyerleri kayıtlı kalır)."
)


class Refused(Exception):
    """The request cannot be done; the message says why, shown on the uploads page."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Listed:
    """Some ids for the page: the first SHOWN_IDS of them, and how many more there are."""

    ids: tuple[str, ...]
    more: int

    @property
    def count(self) -> int:
        return len(self.ids) + self.more


def _listed(ids: Sequence[str]) -> Listed:
    return Listed(tuple(ids[:SHOWN_IDS]), max(0, len(ids) - SHOWN_IDS))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(
    request: Request,
    *,
    status_code: int = 200,
    error: str = "",
    problems: Iterable[Problem] = (),
    kind: str = "",
) -> Response:
    """The uploads page: its forms, with an error and the file's problems when there are."""
    return _no_store(
        render(
            request,
            "uploads.html",
            status_code=status_code,
            error=error,
            problems=[p.as_dict() for p in problems],
            kind=kind,
            catalog_types=",".join(CATALOG_TYPES),
            trainee_types=",".join(TRAINEE_TYPES),
            cancelled=request.query_params.get("cancelled") == "1",
        )
    )


async def _file(form: FormData, allowed: Sequence[str], what: str) -> tuple[str, bytes]:
    """The uploaded file's bare name and bytes, read in memory; Refused when unusable."""
    item = form.get("file")
    if not isinstance(item, UploadFile) or not (item.filename or "").strip():
        raise Refused("Yüklemek için bir dosya seçin.")
    try:
        name = upload_name(item.filename or "")
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in allowed:
            kinds = ", ".join(dict.fromkeys(s for s in allowed if s not in (".xlsm", ".yml")))
            shown = suffix or "uzantısız dosya"
            raise Refused(f"“{name}” yüklenemez ({shown}). {what} için {kinds} dosyası seçin.")
        data = await item.read()
    finally:
        await item.close()
    if not data:
        raise Refused(f"“{name}” boş bir dosya; içinde hiçbir şey yok.")
    return name, data


def _upload_id(form: FormData) -> str:
    value = form.get("upload")
    return value.strip()[:32] if isinstance(value, str) else ""


async def _stored(request: Request, kind: str) -> StoredUpload:
    """The signed-in person's upload named by the form, still valid; Refused otherwise."""
    panel = panel_of(request)
    me = who(request)
    upload_id = _upload_id(await request.form())
    upload = None
    if upload_id:
        async with panel.db.read() as conn:
            upload = await upload_store.find_upload(
                conn, upload_id, staff_id=me.member.id, kind=kind
            )
    if upload is None:
        raise Refused(GONE, 404)
    if upload.expired(panel.now()):
        await _drop(request, upload)
        raise Refused(EXPIRED, 410)
    return upload


async def _drop(request: Request, upload: StoredUpload) -> None:
    panel = panel_of(request)
    async with panel.db.write() as conn:
        await upload_store.take_upload(conn, upload.id, staff_id=upload.staff_id)


def _data(request: Request, upload: StoredUpload) -> bytes:
    try:
        return upload.data(panel_of(request).vault)
    except KeyError_ as exc:
        raise Refused(UNREADABLE, 410) from exc


async def _forget_old(request: Request) -> None:
    """Uploads nobody confirmed within the hour are dropped whenever a new one arrives."""
    panel = panel_of(request)
    async with panel.db.write() as conn:
        await upload_store.drop_expired(conn, panel.now())


async def _keep(
    request: Request, kind: str, name: str, data: bytes, options: dict[str, Any]
) -> str:
    panel = panel_of(request)
    async with panel.db.write() as conn:
        return await upload_store.keep_upload(
            conn,
            panel.vault,
            staff_id=who(request).member.id,
            kind=kind,
            filename=name,
            data=data,
            options=options,
            now=panel.now(),
        )


# --- The page and the empty templates ------------------------------------------------------


@staff_page()
async def uploads(request: Request) -> Response:
    return _page(request)


@cache
def _catalog_template() -> bytes:
    return resources.files("storage.sample").joinpath("template.xlsx").read_bytes()


@cache
def _trainee_template() -> bytes:
    out = io.BytesIO()
    sheet = Sheet("Kursiyerler", TRAINEE_HEADERS, (30, 32, 18, 18), (), 0)
    write_workbook(out, [sheet])
    return out.getvalue()


def _download(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@staff_page(admin=True)
async def catalog_template(request: Request) -> Response:
    return _download(_catalog_template(), "katalog-sablonu.xlsx")


@staff_page()
async def trainee_template(request: Request) -> Response:
    return _download(_trainee_template(), "kursiyer-listesi-sablonu.xlsx")


# --- The catalog (admins) ------------------------------------------------------------------


def _catalog_rows(preview: CatalogPreview) -> list[dict[str, Any]]:
    def row(key: str, changes: EntityChanges) -> dict[str, Any]:
        return {
            "label": ENTITY_LABELS[key],
            "added": _listed(changes.added),
            "changed": _listed(changes.changed),
            "removed": _listed(changes.removed),
            "archived": _listed(changes.archived) if key == "courses" else None,
            "unchanged": changes.unchanged,
        }

    return [row(key, changes) for key, changes in preview.changes().items()]


def _options(form: FormData) -> dict[str, Any]:
    return {"replace": form.get("replace") == "1", "force": form.get("force") == "1"}


@staff_page(admin=True)
async def catalog_upload(request: Request) -> Response:
    panel = panel_of(request)
    form = await request.form()
    options = _options(form)
    await _forget_old(request)
    try:
        name, data = await _file(form, CATALOG_TYPES, "Katalog")
    except Refused as exc:
        return _page(request, status_code=exc.status, error=str(exc), kind="catalog")
    try:
        _catalog, preview = await preview_catalog_upload(
            panel.db, name, data, panel.tz, replace=options["replace"], force=options["force"]
        )
    except CatalogError as exc:
        return _page(
            request,
            status_code=400,
            error=f"“{name}” yüklenmedi; {len(exc.problems)} sorun var. Düzeltip yeniden "
            "yükleyin; hiçbir şey değişmedi.",
            problems=exc.problems,
            kind="catalog",
        )
    upload_id = await _keep(request, "catalog", name, data, options)
    conflict = (
        CONFLICT.format(n=len(preview.courses.archived)) if preview.conflict is not None else ""
    )
    return _no_store(
        render(
            request,
            "upload_catalog.html",
            upload_id=upload_id,
            filename=name,
            options=options,
            rows=_catalog_rows(preview),
            warnings=preview.report.warnings,
            conflict=conflict,
            anything=any(
                c.added or c.changed or c.removed or c.archived for c in preview.changes().values()
            ),
        )
    )


def _counts(report: ImportReport) -> dict[str, dict[str, int]]:
    return {key: asdict(counts) for key, counts in report.counts().items()}


class _AlreadyTaken(Exception):
    """The upload was confirmed (or cancelled) meanwhile: the transaction is undone."""


@staff_page(admin=True)
async def catalog_confirm(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    try:
        upload = await _stored(request, "catalog")
        data = _data(request, upload)
    except Refused as exc:
        return _page(request, status_code=exc.status, error=str(exc))
    replace = bool(upload.options.get("replace"))
    force = bool(upload.options.get("force"))
    try:
        catalog, preview = await preview_catalog_upload(
            panel.db, upload.filename, data, panel.tz, replace=replace, force=force
        )
    except CatalogError as exc:  # the database changed since the preview
        await _drop(request, upload)
        return _page(
            request,
            status_code=409,
            error="Katalog yüklenmedi: önizlemeden bu yana veritabanı değişti ve dosya artık "
            "uymuyor. Düzeltip yeniden yükleyin; hiçbir şey değişmedi.",
            problems=exc.problems,
        )
    if preview.conflict is not None:
        return _page(
            request,
            status_code=409,
            error="Katalog yüklenmedi. " + CONFLICT.format(n=len(preview.courses.archived)),
            kind="catalog",
        )

    async def record(conn: AsyncConnection, report: ImportReport) -> None:
        if not await upload_store.take_upload(conn, upload.id, staff_id=me.member.id):
            raise _AlreadyTaken
        await bump_catalog_version(conn)
        await staff_store.audit(
            conn,
            actor=me.actor,
            action="catalog_uploaded",
            now=panel.now(),
            target=upload.filename,
            detail={"replace": replace, "force": force, **_counts(report)},
            address=me.address,
        )

    try:
        await import_catalog(panel.db, catalog, replace=replace, force=force, then=record)
    except _AlreadyTaken:
        return _page(request, status_code=404, error=GONE)
    except CatalogError as exc:  # applications came in for a course the file leaves out
        return _page(
            request,
            status_code=409,
            error="Katalog yüklenmedi: önizlemeden bu yana veritabanı değişti. Dosyayı "
            "yeniden yükleyip yeni önizlemeye bakın; hiçbir şey değişmedi.",
            problems=exc.problems,
        )
    return back("/uploads", done="catalog")


# --- Trainee lists (admins; centre staff for their own centres' courses) -------------------


async def _trainee_rows(request: Request, preview: TraineePreview) -> list[dict[str, Any]]:
    panel = panel_of(request)
    async with panel.db.read() as conn:
        labels = await upload_store.course_labels(conn, [c.course for c in preview.courses])
    return [
        {
            "course": c.course,
            "label": labels.get(c.course, ""),
            "added": len(c.added),
            "already": _listed([tr.full_name for tr in c.already]),
            "repeated": _listed([tr.full_name for tr in c.repeated]),
        }
        for c in preview.courses
    ]


@staff_page()
async def trainees_upload(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    form = await request.form()
    await _forget_old(request)
    try:
        name, data = await _file(form, TRAINEE_TYPES, "Kursiyer listesi")
    except Refused as exc:
        return _page(request, status_code=exc.status, error=str(exc), kind="trainees")
    try:
        preview = await preview_trainee_upload(panel.db, name, data, scope=me.scope)
    except TraineeFileError as exc:
        return _page(
            request,
            status_code=400,
            error=f"“{name}” yüklenmedi; {len(exc.problems)} sorun var. Düzeltip yeniden "
            "yükleyin; hiçbir şey değişmedi.",
            problems=exc.problems,
            kind="trainees",
        )
    upload_id = await _keep(request, "trainees", name, data, {})
    return _no_store(
        render(
            request,
            "upload_trainees.html",
            upload_id=upload_id,
            filename=name,
            preview=preview,
            rows=await _trainee_rows(request, preview),
        )
    )


class _CoursesGone(Exception):
    """A course of the list was removed (or left the reader's centres) meanwhile."""


@staff_page()
async def trainees_confirm(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    try:
        upload = await _stored(request, "trainees")
        data = _data(request, upload)
    except Refused as exc:
        return _page(request, status_code=exc.status, error=str(exc))
    try:
        preview = await preview_trainee_upload(panel.db, upload.filename, data, scope=me.scope)
    except TraineeFileError as exc:
        await _drop(request, upload)
        return _page(
            request,
            status_code=409,
            error="Liste yüklenmedi: önizlemeden bu yana kurslar değişti. Düzeltip yeniden "
            "yükleyin; hiçbir şey değişmedi.",
            problems=exc.problems,
        )
    named = {tr.course for tr in preview.trainees}
    try:
        async with panel.db.write() as conn:
            if not await upload_store.take_upload(conn, upload.id, staff_id=me.member.id):
                raise _AlreadyTaken
            if named - await course_ids(conn, me.scope):
                raise _CoursesGone
            added, skipped, linked = await store_trainees(
                conn, preview.trainees, panel.vault, panel.now()
            )
            await staff_store.audit(
                conn,
                actor=me.actor,
                action="trainees_uploaded",
                now=panel.now(),
                target=upload.filename,
                detail={
                    "added": added,
                    "skipped": skipped,
                    "linked": linked,
                    "courses": sorted(named),
                },
                address=me.address,
            )
    except _AlreadyTaken:
        return _page(request, status_code=404, error=GONE)
    except _CoursesGone:
        return _page(
            request,
            status_code=409,
            error="Liste yüklenmedi: listedeki bir kurs bu arada kaldırıldı. Dosyayı yeniden "
            "yükleyin; hiçbir şey değişmedi.",
        )
    return back("/uploads", done="trainees", n=added)


# --- Either kind ---------------------------------------------------------------------------


@staff_page()
async def cancel(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    upload_id = _upload_id(await request.form())
    if upload_id:
        async with panel.db.write() as conn:
            await upload_store.take_upload(conn, upload_id, staff_id=me.member.id)
    return back("/uploads", cancelled=1)


ROUTES = [
    Route("/uploads", uploads, methods=["GET"]),
    Route("/uploads/katalog-sablonu.xlsx", catalog_template, methods=["GET"]),
    Route("/uploads/kursiyer-listesi-sablonu.xlsx", trainee_template, methods=["GET"]),
    Route("/uploads/catalog", catalog_upload, methods=["POST"]),
    Route("/uploads/catalog/confirm", catalog_confirm, methods=["POST"]),
    Route("/uploads/trainees", trainees_upload, methods=["POST"]),
    Route("/uploads/trainees/confirm", trainees_confirm, methods=["POST"]),
    Route("/uploads/cancel", cancel, methods=["POST"]),
]
