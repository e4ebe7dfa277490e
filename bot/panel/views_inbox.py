"""The inbox: conversations handed to a person, each answered from its own page."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import inbox
from bot.panel.base import back, not_found, panel_of, param_text, render, staff_page, who
from storage import inbox_queries as q


def waited(since: datetime | None, now: datetime) -> str:
    """How long a citizen has waited, the way staff say it: "12 dk", "3 sa 5 dk", "2 gün"."""
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} dk"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} sa {minutes} dk"
    return f"{hours // 24} gün"


@staff_page()
async def threads(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    async with panel.db.read() as conn:
        rows, total = await q.open_threads(conn, me.scope)
    now = panel.now()
    for row in rows:
        row["waited"] = waited(row["waiting_since"], now)
    return render(request, "inbox.html", rows=rows, total=total)


def _thread_id(request: Request) -> int:
    try:
        return int(request.path_params["thread"])
    except ValueError:
        raise not_found() from None


async def _page(request: Request, thread_id: int, error: str = "", draft: str = "") -> Response:
    panel = panel_of(request)
    me = who(request)
    async with panel.db.read() as conn:
        found = await q.thread(conn, me.scope, thread_id)
    if found is None:
        raise not_found()
    found["waited"] = waited(found["waiting_since"], panel.now())
    response = render(
        request,
        "inbox_thread.html",
        status_code=400 if error else 200,
        thread=found,
        error=error,
        draft=draft,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@staff_page()
async def thread(request: Request) -> Response:
    return await _page(request, _thread_id(request))


@staff_page()
async def answer(request: Request) -> Response:
    text = param_text(await request.form(), "text", limit=inbox.ANSWER_LIMIT + 500)
    return await _act(request, text)


@staff_page()
async def close(request: Request) -> Response:
    return await _act(request, None)


async def _act(request: Request, text: str | None) -> Response:
    """Staff's answer (with `text`) or the closing of a thread: done in the staff member's
    scope and audited by bot/inbox.py; a thread out of scope is not found, a refused action
    shows the thread again with why (and the draft kept)."""
    panel = panel_of(request)
    me = who(request)
    thread_id = _thread_id(request)
    try:
        async with panel.db.write() as conn:
            now, scope = panel.now(), me.scope
            who_did = {"actor": me.actor, "address": me.address}
            if text is None:
                await inbox.close(conn, panel.vault, now, scope, thread_id, **who_did)
            else:
                await inbox.answer(conn, panel.vault, now, scope, thread_id, text, **who_did)
    except LookupError:
        raise not_found() from None
    except inbox.InboxError as exc:
        return await _page(request, thread_id, error=str(exc), draft=text or "")
    if text is None:
        return back("/inbox", done="inbox_closed")
    return back(f"/inbox/{thread_id}", done="inbox_answered")


ROUTES = [
    Route("/inbox", threads, methods=["GET"]),
    Route("/inbox/{thread}", thread, methods=["GET"]),
    Route("/inbox/{thread}/answer", answer, methods=["POST"]),
    Route("/inbox/{thread}/close", close, methods=["POST"]),
]
