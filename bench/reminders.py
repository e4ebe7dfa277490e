"""Reminder figures: sending a burst at the configured Telegram rate, and planning at scale.

Run by hand:
  python bench/reminders.py send [--count 10000] [--rate 30]
      N reminders due at once go through `meslek-bot run`'s dispatcher and the real
      python-telegram-bot to the local Bot API double, which enforces Telegram's limits
      (`rate` per second overall, 1 per second per chat) and answers 429 past them.
  python bench/reminders.py plan [--pairs 100000]
      Plans reminders for that many session-trainee pairs; prints seconds and peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import shutil
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script, this folder comes first on sys.path and its telegram.py would shadow
# python-telegram-bot.
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)


from bot.app import build_assistant  # noqa: E402
from bot.outbox import Dispatcher  # noqa: E402
from bot.run import run  # noqa: E402
from bot.scheduler import ReminderScheduler  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from storage.catalog_repo import import_catalog  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Catalog  # noqa: E402
from tests.course_setup import course_at, enrol, sessions_at  # noqa: E402
from tests.doubles.telegram_api import TelegramDouble  # noqa: E402


def _settings(folder: Path, **extra: str) -> Settings:
    return load_settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'data' / 'meslek.db'}",
        data_key="bench-data-key-0123456789",
        **extra,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def send(count: int, rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with TelegramDouble() as tg:
            tg.failures.rate_overall, tg.failures.rate_per_chat = rate, 1.0
            # The session starts after the whole burst could go out, and every reminder is due
            # 20 s from now: all N are due at once and none is skipped as too late.
            lead = int(count / rate * 1.5 / 60) + 3
            settings = _settings(
                folder,
                telegram_token=tg.token,
                telegram_api_url=tg.api_url,
                http_port=str(_free_port()),
                reminders=f"{lead}m",
                quiet_hours="",
                telegram_max_rate=str(rate),
            )
            session_at = datetime.now(UTC) + timedelta(minutes=lead, seconds=20)
            a = await build_assistant(settings)  # seeds the sample catalog
            await a.close()
            db = Database(settings.database_url)
            starts = [session_at - timedelta(days=1), session_at]  # started: no welcomes
            course = course_at("bench-course", starts)
            await import_catalog(
                db, Catalog(courses=[course], sessions=sessions_at(course.id, starts))
            )
            await enrol(db, course.id, [f"telegram:{1_000_000 + i}" for i in range(count)])
            await db.dispose()
            stop = asyncio.Event()
            task = asyncio.create_task(run(settings, stop=stop))

            def reminders() -> list[float]:
                return [c.at for c in tg.calls if c.method == "sendMessage" and c.status == 200]

            # The double shares this event loop: the wait must look only at new calls, or
            # rescanning 10,000 of them on every send stalls the loop and bunches the sends.
            seen = {"calls": 0, "sent": 0}

            def all_sent() -> bool:
                calls = tg.calls
                for c in calls[seen["calls"] :]:
                    seen["sent"] += c.method == "sendMessage" and c.status == 200
                seen["calls"] = len(calls)
                return seen["sent"] >= count

            with contextlib.suppress(AssertionError):  # a timeout still reports what was sent
                await tg.wait_for(all_sent, within=count / rate * 2 + 120)
            stop.set()
            await task
            times = sorted(reminders())
            refused = sum(1 for c in tg.calls if c.status == 429)
            span = times[-1] - times[0] if len(times) > 1 else 0.0
            achieved = (len(times) - 1) / span if span else 0.0
            print(
                f"sent {len(times)}/{count} reminders in {span:.1f} s = {achieved:.1f}/s "
                f"({achieved / rate:.0%} of the configured {rate:g}/s); 429 answers: {refused}"
            )


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
    p = sub.add_parser("plan")
    p.add_argument("--pairs", type=int, default=100_000)
    ns = parser.parse_args()
    asyncio.run(send(ns.count, ns.rate) if ns.what == "send" else plan(ns.pairs))
