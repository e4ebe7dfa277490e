"""Announcements in the panel: compose, choose the audience, see how many each channel reaches
and how the message reads, confirm; then its progress and final report. Centre staff announce
to their own centres' courses and centres; a branch's applicants and all trainees are the
admins' (the same logic as `meslek-bot announce`: bot/announcements.py)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot import announcements
from bot.panel.base import Who, back, not_found, panel_of, param_text, render, staff_page, who
from locales import Translator, load_translator
from storage import announcements as a
from storage import staff_store
from storage import tables as t


@functools.cache
def _translator() -> Translator:
    """The sentences, read once: a preview shows the message as the citizen will read it."""
    return load_translator()


async def _choices(conn: AsyncConnection, me: Who) -> list[tuple[str, list[tuple[str, str]]]]:
    """The audiences this person may address: (group label, [(value, label)])."""
    c, b, ce = t.courses.c, t.branches.c, t.centers.c
    courses = (
        select(c.id, b.name, ce.name.label("centre"))
        .join(t.branches, b.id == c.branch_id)
        .join(t.centers, ce.id == c.center_id)
        .order_by(ce.name, b.name, c.id)
    )
    centres = select(ce.id, ce.name).order_by(ce.name)
    if me.scope is not None:
        courses = courses.where(c.center_id.in_(sorted(me.scope)))
        centres = centres.where(ce.id.in_(sorted(me.scope)))
    out = [
        (
            announcements.LABELS["course"],
            [
                (f"course:{r.id}", f"{r.name} · {r.centre} ({r.id})")
                for r in await conn.execute(courses)
            ],
        ),
        (
            announcements.LABELS["centre"],
            [(f"centre:{r.id}", r.name) for r in await conn.execute(centres)],
        ),
    ]
    if me.member.is_admin:
        branches = await conn.execute(select(b.id, b.name).order_by(b.name))
        out.append((announcements.LABELS["branch"], [(f"branch:{r.id}", r.name) for r in branches]))
        out.append((announcements.LABELS["all"], [("all", announcements.LABELS["all"])]))
    return out


def _audience(form: FormData) -> a.Audience:
    kind, _, target = param_text(form, "audience", limit=120).partition(":")
    return a.Audience(kind, target)


async def _allowed(conn: AsyncConnection, me: Who, audience: a.Audience) -> bool:
    if me.scope is None:
        return True
    if audience.kind == "centre":
        return audience.target in me.scope
    if audience.kind == "course":
        centre = (
            await conn.execute(
                select(t.courses.c.center_id).where(t.courses.c.id == audience.target)
            )
        ).scalar()
        return centre in me.scope
    return False


async def _compose(request: Request, error: str = "", **kept: Any) -> Response:
    panel = panel_of(request)
    me = who(request)
    async with panel.db.read() as conn:
        choices = await _choices(conn, me)
        sent = await staff_store.audit_rows(
            conn, action="announcement", actor=None if me.member.is_admin else me.actor, limit=20
        )
    return render(
        request,
        "announcements.html",
        status_code=400 if error else 200,
        choices=choices,
        sent=sent,
        error=error,
        **kept,
    )


@staff_page()
async def compose(request: Request) -> Response:
    return await _compose(request)


async def _plan(request: Request, form: FormData) -> announcements.Plan:
    panel = panel_of(request)
    me = who(request)
    audience = _audience(form)
    async with panel.db.read() as conn:
        if not await _allowed(conn, me, audience):
            raise announcements.AnnouncementError("Bu alıcı grubuna duyuru gönderemezsiniz.")
        return await announcements.plan(
            conn,
            _translator(),
            "tr",
            panel.now(),
            audience,
            param_text(form, "text", limit=announcements.TEXT_LIMIT + 200),
            panel.templates_config,
        )


@staff_page()
async def preview(request: Request) -> Response:
    form = await request.form()
    try:
        chosen = await _plan(request, form)
    except announcements.AnnouncementError as exc:
        return await _compose(request, error=str(exc), text=param_text(form, "text", limit=1200))
    return render(request, "announcement_preview.html", plan=chosen, audience=chosen.audience.key)


@staff_page()
async def send(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    form = await request.form()
    try:
        chosen = await _plan(request, form)
    except announcements.AnnouncementError as exc:
        return await _compose(request, error=str(exc))
    async with panel.db.write() as conn:
        prefix, _ = await announcements.send(
            conn, panel.now(), chosen, actor=me.actor, address=me.address
        )
    return back("/announcements/report", key=prefix)


@staff_page()
async def report(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    key = param_text(request.query_params, "key", limit=200)
    async with panel.db.read() as conn:
        rows = await staff_store.audit_rows(conn, action="announcement", target=key, limit=1)
        if not rows or not (me.member.is_admin or rows[0].actor == me.actor):
            raise not_found()
        counts = await a.report(conn, key)
    return render(request, "announcement_report.html", row=rows[0], counts=counts)


ROUTES = [
    Route("/announcements", compose, methods=["GET"]),
    Route("/announcements/preview", preview, methods=["POST"]),
    Route("/announcements/send", send, methods=["POST"]),
    Route("/announcements/report", report, methods=["GET"]),
]
