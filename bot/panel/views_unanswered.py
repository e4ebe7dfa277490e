"""What the assistant could not answer: grouped questions, marked handled, and keywords added
to a branch from a group (admins), applied at the next catalog reload."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.panel.base import back, not_found, panel_of, param_text, render, staff_page, who
from storage import tables as t
from storage import unanswered as u
from storage.staff_store import audit

REASONS = {
    "fallback": "anlaşılmadı",
    "no_course": "böyle kurs yok",
    "repeated": "iki kez soruldu",
    "handoff": "yetkiliye aktarıldı",
}


def _group_id(request: Request) -> int:
    try:
        return int(request.path_params["group"])
    except ValueError:
        raise not_found() from None


@staff_page()
async def unanswered(request: Request) -> Response:
    panel = panel_of(request)
    handled = request.query_params.get("handled") == "1"
    async with panel.db.read() as conn:
        rows = await u.groups(conn, handled=handled)
    return render(request, "unanswered.html", rows=rows, handled=handled, reasons=REASONS)


async def _group_page(request: Request, error: str = "") -> Response:
    """One group: its wordings, and (admins) the form that adds keywords to a branch."""
    panel = panel_of(request)
    group = _group_id(request)
    async with panel.db.read() as conn:
        found = await u.group(conn, group)
        if found is None:
            raise not_found()
        texts = await u.group_texts(conn, group)
        branches = (
            await conn.execute(
                select(t.branches.c.id, t.branches.c.name).order_by(t.branches.c.name)
            )
        ).all()
    return render(
        request,
        "unanswered_group.html",
        status_code=400 if error else 200,
        group=found,
        texts=texts,
        branches=branches,
        reasons=REASONS,
        error=error,
    )


@staff_page()
async def group_page(request: Request) -> Response:
    return await _group_page(request)


@staff_page()
async def handled(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    group = _group_id(request)
    async with panel.db.write() as conn:
        if not await u.mark_handled(conn, group, me.actor, panel.now()):
            raise not_found()
        await audit(
            conn,
            actor=me.actor,
            action="unanswered_handled",
            now=panel.now(),
            target=f"unanswered:{group}",
            address=me.address,
        )
    return back("/unanswered", done="unanswered_handled")


@staff_page(admin=True)
async def keywords(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    group = _group_id(request)
    form = await request.form()
    branch = param_text(form, "branch", limit=80)
    words = param_text(form, "keywords", limit=1000)
    now = panel.now()
    try:
        async with panel.db.write() as conn:
            added = await u.add_keywords(conn, branch, words, me.actor, now)
            await u.mark_handled(conn, group, me.actor, now)
            await audit(
                conn,
                actor=me.actor,
                action="catalog_keywords",
                now=now,
                target=branch,
                detail={"added": list(added.added), "group": group, "version": added.version},
                address=me.address,
            )
    except u.KeywordError as exc:
        return await _group_page(request, error=str(exc))
    return back("/unanswered", done="keywords", n=len(added.added))


ROUTES = [
    Route("/unanswered", unanswered, methods=["GET"]),
    Route("/unanswered/{group}", group_page, methods=["GET"]),
    Route("/unanswered/{group}/handled", handled, methods=["POST"]),
    Route("/unanswered/{group}/keywords", keywords, methods=["POST"]),
]
