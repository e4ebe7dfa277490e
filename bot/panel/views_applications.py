"""Applications: the list with filters, one application, decisions one by one and in bulk."""

from __future__ import annotations

import asyncio
from math import ceil

from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.decisions import DECISIONS, DecisionError, decide
from bot.panel.base import (
    back,
    not_found,
    page_number,
    panel_of,
    param_day,
    param_text,
    render,
    staff_page,
    who,
)
from storage import panel_queries as q
from storage import staff_store
from storage.exports import applications_csv, applications_xlsx

PER_PAGE = 50
BULK_LIMIT = 500


def read_filter(params: QueryParams | FormData) -> q.AppFilter:
    def text(name: str) -> str:
        return param_text(params, name)

    status = text("status")
    return q.AppFilter(
        centre=text("centre"),
        course=text("course"),
        status=status if status in q.STATUSES else "",
        since=param_day(text("since")),
        until=param_day(text("until")),
        q=text("q"),
    )


@staff_page()
async def home(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    async with panel.db.read() as conn:
        counts = await q.status_counts(conn, me.scope)
        centres = await q.centres_for(conn, me.scope)
    return render(request, "home.html", counts=counts, centres=centres)


@staff_page()
async def applications(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    f = read_filter(request.query_params)
    page = page_number(request.query_params)
    async with panel.db.read() as conn:
        rows, total = await q.list_applications(
            conn, me.scope, f, panel.tz, panel.vault, page=page, per_page=PER_PAGE
        )
        centres = await q.centres_for(conn, me.scope)
    pages = max(1, ceil(total / PER_PAGE))
    return render(
        request,
        "applications.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        per_page=PER_PAGE,
        f=f,
        query=f.as_query(),
        centres=centres,
        statuses=q.STATUSES,
        note=request.query_params.get("n", ""),
    )


async def _detail(request: Request, number: str, *, reveal: bool, error: str = "") -> Response:
    panel = panel_of(request)
    me = who(request)
    async with panel.db.read() as conn:
        app = await q.application_detail(conn, me.scope, number, panel.vault, reveal=reveal)
        history = await staff_store.audit_rows(conn, target=number, limit=50) if app else []
    if app is None:
        raise not_found()
    response = render(
        request,
        "application.html",
        status_code=400 if error else 200,
        app=app,
        history=history,
        revealed=reveal,
        error=error,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@staff_page()
async def application(request: Request) -> Response:
    return await _detail(request, request.path_params["number"], reveal=False)


@staff_page(admin=True)
async def reveal(request: Request) -> Response:
    """Shows the national id number to an admin, once, and writes that down."""
    panel = panel_of(request)
    me = who(request)
    number = request.path_params["number"]
    async with panel.db.read() as conn:
        exists = await q.application_numbers(conn, me.scope, [number])
    if not exists:
        raise not_found()
    async with panel.db.write() as conn:
        await staff_store.audit(
            conn,
            actor=me.actor,
            action="id_revealed",
            now=panel.now(),
            target=number,
            address=me.address,
        )
    return await _detail(request, number, reveal=True)


def _decision(form: FormData) -> tuple[str, str] | None:
    action = form.get("action")
    if not isinstance(action, str) or action not in DECISIONS:
        return None
    reason = form.get("reason")
    return DECISIONS[action], reason if isinstance(reason, str) else ""


@staff_page()
async def decide_one(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    number = request.path_params["number"]
    form = await request.form()
    chosen = _decision(form)
    if chosen is None:
        return await _detail(request, number, reveal=False, error="Bir karar seçin.")
    status, reason = chosen
    async with panel.db.read() as conn:
        allowed = await q.application_numbers(conn, me.scope, [number])
    if not allowed:
        raise not_found()
    try:
        async with panel.db.write() as conn:
            await decide(
                conn,
                panel.vault,
                panel.now(),
                number,
                status,
                actor=me.actor,
                reason=reason,
                address=me.address,
            )
    except DecisionError as exc:
        return await _detail(request, number, reveal=False, error=str(exc))
    return back(f"/applications/{number}", done=status)


@staff_page()
async def decide_many(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    form = await request.form()
    chosen = _decision(form)
    numbers = [n for n in form.getlist("numbers") if isinstance(n, str)][:BULK_LIMIT]
    back_to = "/applications"
    query = read_filter(form).as_query()
    if chosen is None or not numbers:
        return back(back_to, **query, done="bulk_empty")
    status, reason = chosen
    now = panel.now()
    changed = skipped = 0
    async with panel.db.write() as conn:
        allowed = await q.application_numbers(conn, me.scope, numbers)
        for number in sorted(set(allowed)):
            try:
                await decide(
                    conn,
                    panel.vault,
                    now,
                    number,
                    status,
                    actor=me.actor,
                    reason=reason,
                    address=me.address,
                )
                changed += 1
            except DecisionError:
                skipped += 1
    skipped += len(set(numbers)) - len(set(allowed))
    return back(back_to, **query, done=f"bulk_{status}", n=changed, skipped=skipped)


@staff_page()
async def export(request: Request) -> Response:
    """The filtered list as a spreadsheet (ids masked, free text unable to become a formula)."""
    panel = panel_of(request)
    me = who(request)
    kind = request.path_params["kind"]
    if kind not in ("csv", "xlsx"):
        raise not_found()
    f = read_filter(request.query_params)
    async with panel.db.read() as conn:
        rows = await q.export_rows(conn, me.scope, f, panel.tz, panel.vault)
    async with panel.db.write() as conn:
        await staff_store.audit(
            conn,
            actor=me.actor,
            action="export",
            now=panel.now(),
            target="applications",
            detail={"format": kind, "rows": len(rows), **f.as_query()},
            address=me.address,
        )
    stamp = panel.now().astimezone(panel.tz).strftime("%Y%m%d-%H%M")
    if kind == "xlsx":
        body = await asyncio.to_thread(applications_xlsx, rows)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = applications_csv(rows)
        media = "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="basvurular-{stamp}.{kind}"',
            "Cache-Control": "no-store",
        },
    )


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/applications", applications, methods=["GET"]),
    Route("/applications/export.{kind:str}", export, methods=["GET"]),
    Route("/applications/bulk", decide_many, methods=["POST"]),
    Route("/applications/{number}", application, methods=["GET"]),
    Route("/applications/{number}/reveal", reveal, methods=["POST"]),
    Route("/applications/{number}/decide", decide_one, methods=["POST"]),
]
