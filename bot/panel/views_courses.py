"""Courses and their sessions: the list with counts, one course with its sessions and the
trainees' answers, and a session cancelled or moved (the CLI's rules, trainees told once)."""

from __future__ import annotations

from datetime import datetime
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

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
from handlers.formatting import format_weekdays
from storage import panel_courses as pc
from storage import panel_queries as q
from storage import staff_store
from storage import tables as t
from storage.session_changes import SessionChangeError, cancel_session, move_session

PER_PAGE = 50
REASON_MAX = 500
COURSE_STATUS_LABELS = {
    "open": "Başvuruya açık",
    "full": "Dolu",
    "closed": "Başvurular kapalı",
    "cancelled": "İptal edildi",
    "archived": "Arşivde",
}
ANSWER_LABELS = {"yes": "Geleceğim", "no": "Gelemeyeceğim", None: "Yanıt yok"}


def read_filter(params: QueryParams) -> pc.CourseFilter:
    status = param_text(params, "status")
    return pc.CourseFilter(
        centre=param_text(params, "centre"),
        status=status if status in pc.COURSE_STATUSES else "",
        q=param_text(params, "q"),
        since=param_day(param_text(params, "since")),
    )


def _days(row: dict[str, Any]) -> str:
    """'Salı, Perşembe · 18:30–21:30'."""
    days = format_weekdays(str(row["weekdays"]).split(","), compact=True)
    return f"{days} · {row['start_time']:%H:%M}–{row['end_time']:%H:%M}"


@staff_page()
async def courses(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    f = read_filter(request.query_params)
    page = page_number(request.query_params)
    async with panel.db.read() as conn:
        rows, total = await pc.list_courses(conn, me.scope, f, page=page, per_page=PER_PAGE)
        centres = await q.centres_for(conn, me.scope)
    for row in rows:
        row["days"] = _days(row)
    return render(
        request,
        "courses.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, ceil(total / PER_PAGE)),
        per_page=PER_PAGE,
        f=f,
        query=f.as_query(),
        centres=centres,
        statuses=pc.COURSE_STATUSES,
        labels=COURSE_STATUS_LABELS,
    )


def _local_input(value: datetime, tz: ZoneInfo) -> str:
    """A time as an <input type="datetime-local"> value, in the institution's time zone."""
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


async def _course_page(
    request: Request,
    course_id: str,
    *,
    chosen: str = "",
    error: str = "",
    sent: dict[str, str] | None = None,
) -> Response:
    panel = panel_of(request)
    me = who(request)
    now = panel.now()
    async with panel.db.read() as conn:
        course = await pc.course_detail(conn, me.scope, course_id)
        if course is None:
            raise not_found()
        sessions = await pc.course_sessions(conn, course_id)
        ids = [s["id"] for s in sessions]
        if chosen not in ids:
            upcoming = [
                s["id"] for s in sessions if s["status"] == "scheduled" and s["starts_at"] > now
            ]
            chosen = upcoming[0] if upcoming and not request.query_params.get("session") else ""
        trainees = await pc.session_trainees(conn, course_id, chosen) if chosen else []
    course["days"] = _days(course)
    session = next((s for s in sessions if s["id"] == chosen), None)
    response = render(
        request,
        "course.html",
        status_code=400 if error else 200,
        course=course,
        sessions=sessions,
        session=session,
        number={s["id"]: n for n, s in enumerate(sessions, start=1)},
        trainees=trainees,
        now=now,
        labels=COURSE_STATUS_LABELS,
        answers=ANSWER_LABELS,
        error=error,
        sent=sent or {},
        move_value=_local_input(session["starts_at"], panel.tz) if session else "",
        move_min=_local_input(now, panel.tz),
        note=request.query_params.get("n", ""),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@staff_page()
async def course(request: Request) -> Response:
    chosen = request.query_params.get("session", "")
    return await _course_page(request, request.path_params["course_id"], chosen=chosen)


def _parse_local(text: str, tz: ZoneInfo) -> datetime | None:
    """A local date and time as the CLI reads `sessions move --to` (zone-less = panel.tz)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not 2000 <= value.year <= 2100:  # a slip of the keyboard, not a class
        return None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _why(exc: SessionChangeError, session_id: str) -> str:
    """The storage's reason without the session id, as a sentence."""
    text = str(exc).removeprefix(f"{session_id}: ").strip().rstrip(".")
    return f"Değişiklik yapılmadı: {text}."


@staff_page()
async def cancel(request: Request) -> Response:
    return await _change(request, "cancel")


@staff_page()
async def move(request: Request) -> Response:
    return await _change(request, "move")


async def _change(request: Request, action: str) -> Response:
    """Cancels or moves a session with the CLI's rules, audited in the same transaction."""
    panel = panel_of(request)
    me = who(request)
    course_id = request.path_params["course_id"]
    session_id = request.path_params["session_id"]
    form = await request.form()
    reason = param_text(form, "reason", REASON_MAX)
    to_text = param_text(form, "to", 40)
    sent = {"reason": reason, "to": to_text, "action": action}
    now = panel.now()
    try:
        async with panel.db.write() as conn:
            row = await pc.session_in_scope(conn, me.scope, course_id, session_id, lock=True)
            if row is None:
                raise not_found()
            detail: dict[str, Any] = {
                "course": course_id,
                "reason": reason,
                "from": row.starts_at.astimezone(panel.tz).isoformat(timespec="minutes"),
            }
            if action == "cancel":
                if not reason:
                    raise SessionChangeError("iptalin gerekçesini yazın; kursiyerlere iletilir")
                change = await cancel_session(conn, session_id, reason, now)
                audit_action, done = "session_cancelled", "cancelled"
            else:
                new_start = _parse_local(to_text, panel.tz)
                if new_start is None:
                    raise SessionChangeError("yeni tarihi ve saati seçin")
                change = await move_session(conn, session_id, new_start, now)
                if reason:  # the CLI's move takes no reason; kept beside the session here
                    await conn.execute(
                        update(t.sessions)
                        .where(t.sessions.c.id == session_id)
                        .values(reason=reason)
                    )
                detail["to"] = new_start.astimezone(panel.tz).isoformat(timespec="minutes")
                if change.holiday:
                    detail["holiday"] = change.holiday
                audit_action, done = "session_moved", "moved"
            detail["told"] = change.told
            await staff_store.audit(
                conn,
                actor=me.actor,
                action=audit_action,
                now=now,
                target=session_id,
                detail=detail,
                address=me.address,
            )
    except SessionChangeError as exc:
        return await _course_page(
            request, course_id, chosen=session_id, error=_why(exc, session_id), sent=sent
        )
    return back(f"/courses/{course_id}", session=session_id, done=done, n=change.told)


ROUTES = [
    Route("/courses", courses, methods=["GET"]),
    Route("/courses/{course_id}", course, methods=["GET"]),
    Route("/courses/{course_id}/sessions/{session_id}/cancel", cancel, methods=["POST"]),
    Route("/courses/{course_id}/sessions/{session_id}/move", move, methods=["POST"]),
]
