"""The dashboard: applications this week, courses filling up, today's sessions and answers,
reminders, messages per channel per day, the fallback share and inbox waiting times."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.panel import charts
from bot.panel.base import STATUS_LABELS, panel_of, render, staff_page, who
from bot.panel.views_inbox import waited
from storage import dashboard


@staff_page()
async def overview(request: Request) -> Response:
    panel = panel_of(request)
    me = who(request)
    now = panel.now()
    async with panel.db.read() as conn:
        data = await dashboard.snapshot(conn, me.scope, now, panel.tz)
    by_status: dict[str, int] = defaultdict(int)
    by_centre: dict[str, dict[str, int]] = defaultdict(dict)
    for status, centre, n in data["applications"]:
        by_status[status] += n
        by_centre[centre][status] = n
    statuses = list(STATUS_LABELS)
    applications = charts.stacked(
        [(STATUS_LABELS[s], {s: by_status.get(s, 0)}) for s in statuses],
        statuses,
        width=480,
        names=STATUS_LABELS,
    )
    messages = charts.stacked(
        [(day.strftime("%d.%m"), counts) for day, counts in data["messages"]],
        ["telegram", "whatsapp", "console"],
    )
    fell, total = data["fallback"]
    inbox = data["inbox"]
    longest = now - timedelta(seconds=inbox["longest_seconds"])
    return render(
        request,
        "dashboard.html",
        data=data,
        by_centre=dict(sorted(by_centre.items())),
        statuses=statuses,
        applications=applications,
        messages=messages,
        fallback_share=(100.0 * fell / total) if total else 0.0,
        longest=waited(longest, now) if inbox["waiting"] else "",
    )


ROUTES = [Route("/dashboard", overview, methods=["GET"])]
