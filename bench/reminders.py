"""Reminder figures: sending a burst at the configured Telegram rate, and planning at scale.

Run by hand:
  PYTHONPATH=. python bench/reminders.py send [--count 10000] [--rate 30]
      N reminders due at once (N trainees, one each) go through `meslek-bot run`'s dispatcher
      and the real python-telegram-bot to the local Bot API double, in its own process, which
      enforces Telegram's limits (`rate` requests in any 1 s by arrival, 1 per second per chat)
      and answers 429 past them. Target: >= 90 % of `rate`, no 429.
  python bench/reminders.py plan [--pairs 100000]
      Plans reminders for that many session-trainee pairs; prints seconds and peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on sys.path and its telegram.py would shadow
# python-telegram-bot.
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)


from bench.bot_api_process import DoubleProcess, free_port  # noqa: E402
from bot.app import build_assistant  # noqa: E402
from bot.outbox import Dispatcher  # noqa: E402
from bot.ratelimit import Priority, RateLimiter  # noqa: E402
from bot.run import run  # noqa: E402
from bot.scheduler import ReminderScheduler  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from core.catalog import Catalog  # noqa: E402
from storage.catalog_repo import import_catalog  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.course_setup import course_at, enrol, sessions_at  # noqa: E402
from tests.doubles.telegram_api import DEFAULT_TOKEN, SEND_METHODS  # noqa: E402


def _settings(folder: Path, **extra: str) -> Settings:
    return load_settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'data' / 'meslek.db'}",
        data_key="bench-data-key-0123456789",
        **extra,
    )


class Double(DoubleProcess):
    """The Bot API double in its own process; `calls` is every Bot API call it saw, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict[str, Any]] = []

    async def fetch(self) -> None:
        """Adds the calls made since the last fetch."""
        response = await self.client.get(f"/_double/calls?since={len(self.calls)}")
        self.calls += response.json()


def busiest_second(times: list[float]) -> int:
    """The most requests that arrived in any 1-second window."""
    most, j = 0, 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j + 1 < len(times) and times[j + 1] <= start + 1.0:
            j += 1
        most = max(most, j - i + 1)
    return most


def _record_releases() -> dict[int, list[float]]:
    """When the limiter lets each chat's requests go, on the clock the double stamps arrivals
    with (time.perf_counter() is CLOCK_MONOTONIC, the same in both processes on Linux)."""
    releases: dict[int, list[float]] = {}
    slot = RateLimiter.slot

    @contextlib.asynccontextmanager
    async def recorded(
        self: RateLimiter, chat: str, priority: Priority = Priority.PUSH
    ) -> AsyncIterator[None]:
        async with slot(self, chat, priority):
            releases.setdefault(int(chat.partition(":")[2]), []).append(time.perf_counter())
            yield

    RateLimiter.slot = recorded  # type: ignore[method-assign]  # the bench's probe
    return releases


def _crowded(calls: list[dict[str, Any]], releases: dict[int, list[float]], rate: float) -> str:
    """For the most crowded second at the double: when its requests were released here."""
    sends = sorted((c for c in calls if c["method"] in SEND_METHODS), key=lambda c: float(c["at"]))
    seen: dict[int, int] = {}
    transit: list[tuple[float, float]] = []  # (arrival, arrival - release)
    for c in sends:
        chat = int(c["params"]["chat_id"])
        n = seen[chat] = seen.get(chat, -1) + 1
        if n < len(releases.get(chat, ())):
            transit.append((c["at"], c["at"] - releases[chat][n]))
    if not transit:
        return "no release times recorded"
    delays = sorted(d for _, d in transit)
    times = [a for a, _ in transit]
    best, first = 0, 0
    j = 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j + 1 < len(times) and times[j + 1] <= start + 1.0:
            j += 1
        if j - i + 1 > best:
            best, first = j - i + 1, i
    window = transit[first : first + best]
    released = [a - d for a, d in window]
    return (
        f"release to arrival: p50 {delays[len(delays) // 2] * 1000:.1f} ms, p99 "
        f"{delays[int(len(delays) * 0.99)] * 1000:.1f} ms, max {delays[-1] * 1000:.1f} ms; "
        f"busiest second at the double: {best} requests (limit {rate:g}), released over "
        f"{max(released) - min(released):.3f} s, their delays "
        f"{min(d for _, d in window) * 1000:.1f}-{max(d for _, d in window) * 1000:.1f} ms"
    )


async def send(count: int, rate: float, dump: Path | None = None) -> None:
    load = os.getloadavg()
    started = time.monotonic()
    releases = _record_releases()
    double = Double()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            await double.ready()
            await double.config(rate_overall=rate, rate_per_chat=1.0)
            # The session starts after the whole burst could go out, and every reminder is due
            # 20 s from now: all N are due at once and none is skipped as too late.
            lead = int(count / rate * 1.5 / 60) + 3
            settings = _settings(
                folder,
                telegram_token=DEFAULT_TOKEN,
                telegram_api_url=double.api_url,
                http_port=str(free_port()),
                panel_port=str(free_port()),
                reminders=f"{lead}m",
                quiet_hours="",
                telegram_max_rate=str(rate),
            )
            session_at = datetime.now(UTC) + timedelta(minutes=lead, seconds=20)
            a = await build_assistant(settings)  # seeds the sample catalog
            await a.close()
            db = Database(settings.database_url)
            starts = [session_at - timedelta(days=1), session_at]
            course = course_at("bench-course", starts)
            await import_catalog(
                db, Catalog(courses=[course], sessions=sessions_at(course.id, starts))
            )
            # Enrolled before the first session, which has started: no welcomes, reminders only.
            users = [f"telegram:{1_000_000 + i}" for i in range(count)]
            await enrol(db, course.id, users, created_at=starts[0] - timedelta(days=1))
            await db.dispose()
            stop = asyncio.Event()
            task = asyncio.create_task(run(settings, stop=stop))
            deadline = time.monotonic() + count / rate * 2 + 120
            try:
                while time.monotonic() < deadline and not task.done():
                    await asyncio.sleep(1.0)
                    await double.fetch()
                    if len(_reminders(double.calls)) >= count:
                        break
            finally:
                stop.set()
                await task
            await double.fetch()
        finally:
            await double.close()
    calls = double.calls
    times = sorted(c["at"] for c in _reminders(calls))
    refused = sum(1 for c in calls if c["status"] == 429)
    other = sum(1 for c in calls if c["method"] != "sendMessage" and c["method"] in SEND_METHODS)
    sends = sorted(c["at"] for c in calls if c["method"] in SEND_METHODS)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span else 0.0
    print(
        f"sent {len(times)}/{count} reminders in {span:.1f} s = {achieved:.1f}/s "
        f"({achieved / rate:.1%} of the configured {rate:g}/s); 429 answers: {refused}; "
        f"most requests in any 1 s: {busiest_second(sends)}; other send calls: {other}"
    )
    print(_crowded(calls, releases, rate))
    if dump is not None:
        text = json.dumps({"calls": calls, "releases": releases})
        await asyncio.to_thread(dump.write_text, text)
    print(
        f"double in its own process; {os.cpu_count()} CPUs; load average before "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, after "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
        + f"; whole run {time.monotonic() - started:.0f} s"
    )


def _reminders(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in calls if c["method"] == "sendMessage" and c["status"] == 200]


async def plan(pairs: int) -> None:
    courses, sessions_each = 100, 10
    per_course = pairs // (courses * sessions_each)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = _settings(folder, reminders="eve@18:00,120m", quiet_hours="21:30-08:30")
        a = await build_assistant(settings)
        await a.close()
        db = Database(settings.database_url)
        start = datetime.now(UTC) + timedelta(hours=30)
        course_list, session_list = [], []
        for c in range(courses):
            starts = [start + timedelta(hours=12 * s, minutes=c) for s in range(sessions_each)]
            course_list.append(course_at(f"plan-{c}", starts))
            session_list += sessions_at(f"plan-{c}", starts)
        await import_catalog(db, Catalog(courses=course_list, sessions=session_list))
        for c, course in enumerate(course_list):
            first = 2_000_000 + c * per_course
            await enrol(db, course.id, [f"telegram:{first + i}" for i in range(per_course)])
        scheduler = ReminderScheduler(db, settings, Dispatcher(db, {}, {}, _never, _now))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        added = await scheduler.plan()
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        await db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
        print(
            f"planned {added} reminder rows for {courses * sessions_each * per_course} "
            f"session-trainee pairs in {seconds:.1f} s; peak RSS {peak:.0f} MB "
            f"({before:.0f} MB before planning)"
        )


async def _never(*_: object) -> str:
    return "unused"


def _now() -> datetime:
    return datetime.now(UTC)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("send")
    s.add_argument("--count", type=int, default=10_000)
    s.add_argument("--rate", type=float, default=30.0)
    s.add_argument("--dump", type=Path, help="write the calls and release times here (JSON)")
    p = sub.add_parser("plan")
    p.add_argument("--pairs", type=int, default=100_000)
    ns = parser.parse_args()
    asyncio.run(send(ns.count, ns.rate, ns.dump) if ns.what == "send" else plan(ns.pairs))
