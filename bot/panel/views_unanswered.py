"""What the assistant could not answer: grouped questions, marked handled, and keywords added
to a branch or an answer added to the FAQ from a group (admins), applied at the next catalog
reload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.panel.base import back, not_found, panel_of, param_text, render, staff_page, who
from core.catalog import Catalog
from core.intents import Intent
from handlers.catalog_view import CatalogView
from locales.faq import load_faq
from locales.faq import topic_patterns as faq_patterns
from storage import faq_added
from storage import tables as t
from storage import unanswered as u
from storage.catalog_dbrows import MODEL_OF, fetch_rows
from storage.staff_store import audit

FAQ_FIELDS = ("keywords", "answer", "answer_en", "answer_ar")

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


async def _group_page(
    request: Request, error: str = "", typed: Mapping[str, str] | None = None
) -> Response:
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
        typed=typed or {},
        max_answer=faq_added.MAX_ANSWER,
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


async def _understood(conn: AsyncConnection, words: list[str]) -> str | None:
    """Why one of `words` cannot ask for a new answer: the assistant already understands it, on
    its own, as a question of the FAQ file or an added answer (None: all free).

    The assistant's own understanding (nlu over the FAQ file's topics and the added answers),
    so inflected forms count too ("ücretli" is the cost question's). Courses are held to their
    exact names and keywords (storage.faq_added): a word merely near a course's ("yemek kartı"
    and the cook's "yemek") may still ask a question of its own, which then wins."""
    lists: dict[str, list[Any]] = {
        key: [MODEL_OF[key](r) for r in (await fetch_rows(conn, key)).values()]
        for key in ("fields", "branches", "faq")
    }
    view = CatalogView.build(Catalog(**lists), faq_patterns())
    titles = {name: e.menu.title if e.menu else name for name, e in load_faq().items()}
    for word in words:
        found = view.understand(word, remember=False)
        if found.intent is Intent.FAQ and found.topic:
            added = view.added_faq.get(found.topic)
            title = added.id if added is not None else titles.get(found.topic, found.topic)
            return f"“{word}” zaten “{title}” sorusu olarak anlaşılıyor; başka bir söz seçin."
    return None


@staff_page(admin=True)
async def faq(request: Request) -> Response:
    """Adds an answer to the FAQ from a group: its keywords and its text (Turkish; English and
    Arabic optional). Refused, nothing stored, when a keyword already asks something else."""
    panel = panel_of(request)
    me = who(request)
    group = _group_id(request)
    form = await request.form()
    typed = {name: param_text(form, name, limit=4 * faq_added.MAX_ANSWER) for name in FAQ_FIELDS}
    now = panel.now()
    try:
        words = u.read_keywords(typed["keywords"])
        async with panel.db.read() as conn:
            if await u.group(conn, group) is None:
                raise not_found()
            claimed = await _understood(conn, words)
        if claimed is not None:
            raise u.KeywordError(claimed)
        async with panel.db.write() as conn:
            added = await faq_added.add_faq(
                conn,
                keywords=typed["keywords"],
                answer=typed["answer"],
                answer_en=typed["answer_en"],
                answer_ar=typed["answer_ar"],
                actor=me.actor,
                now=now,
            )
            await u.mark_handled(conn, group, me.actor, now)
            await audit(
                conn,
                actor=me.actor,
                action="catalog_faq",
                now=now,
                target=f"faq:{added.topic.id}",
                detail={
                    "keywords": list(added.topic.keywords),
                    "group": group,
                    "version": added.version,
                },
                address=me.address,
            )
    except u.KeywordError as exc:
        return await _group_page(request, error=str(exc), typed=typed)
    return back("/unanswered", done="faq_added")


ROUTES = [
    Route("/unanswered", unanswered, methods=["GET"]),
    Route("/unanswered/{group}", group_page, methods=["GET"]),
    Route("/unanswered/{group}/handled", handled, methods=["POST"]),
    Route("/unanswered/{group}/keywords", keywords, methods=["POST"]),
    Route("/unanswered/{group}/faq", faq, methods=["POST"]),
]
