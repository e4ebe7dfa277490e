"""The dashboard's counts on /metrics, read from the database at each scrape (the same
queries as the panel's dashboard, institution-wide), so every instance exports the same
numbers whoever handled the messages."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage import dashboard
from storage import tables as t
from storage.db import Database


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _gauge(name: str, help_text: str, values: dict[tuple[tuple[str, str], ...], float]) -> str:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in sorted(values.items()):
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
        lines.append(f"{name}{{{inner}}} {value}" if inner else f"{name} {value}")
    return "\n".join(lines) + "\n"


async def render(db: Database, now: datetime | None = None) -> str:
    """The counts in the Prometheus text format (gauges prefixed `mf_`)."""
    now = now or datetime.now(UTC)
    async with db.read() as conn:
        applications = await dashboard.applications_week(conn, None, now)
        filling = await dashboard.filling_up(conn, None, now.date(), limit=1000)
        reminders = await dashboard.reminders_week(conn, now)
        fell, total = await dashboard.fallback_share(conn, now)
        inbox = await dashboard.inbox_waiting(conn, None, now)
        p = t.processed_messages.c
        channel = func.substr(p.user_key, 1, 2)
        day = await conn.execute(
            select(channel, func.count())
            .where(p.processed_at >= now - timedelta(days=1))
            .group_by(channel)
        )
        per_channel = {dashboard.CHANNELS.get(k, k): int(n) for k, n in day}
    by_status: dict[tuple[tuple[str, str], ...], float] = defaultdict(float)
    for status, centre, n in applications:
        by_status[(("centre", centre), ("status", status))] += n
    return "".join(
        [
            _gauge("mf_applications_week", "Applications made in the last 7 days.", by_status),
            _gauge(
                "mf_courses_filling", "Open courses with 80% of seats taken.", {(): len(filling)}
            ),
            _gauge(
                "mf_reminders_week",
                "Reminders due in the last 7 days, by outcome.",
                {(("outcome", k),): v for k, v in reminders.items()},
            ),
            _gauge(
                "mf_messages_day",
                "Messages received in the last 24 hours, by channel.",
                {(("channel", k),): v for k, v in per_channel.items()},
            ),
            _gauge("mf_messages_week", "Messages received in the last 7 days.", {(): total}),
            _gauge("mf_fallback_week", "Turns that reached the fallback, last 7 days.", {(): fell}),
            _gauge("mf_inbox_open", "Conversations handed to a person, open.", {(): inbox["open"]}),
            _gauge(
                "mf_inbox_waiting", "Open conversations waiting for staff.", {(): inbox["waiting"]}
            ),
            _gauge(
                "mf_inbox_longest_wait_seconds",
                "How long the longest-waiting conversation has waited.",
                {(): inbox["longest_seconds"]},
            ),
        ]
    )
