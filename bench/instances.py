"""Several `meslek-bot run` instances on one PostgreSQL sending a burst of reminders through one
shared rate budget, to the Bot API double in its own process (which refuses beyond `rate`
requests in any 1 s by arrival and 1 per second per chat).

Run by hand (a PostgreSQL server to create a throwaway database on; Redis optional):
  PYTHONPATH=. python bench/instances.py --database postgresql+asyncpg://postgres@127.0.0.1/x \
      [--instances 3] [--count 600] [--rate 30] [--redis redis://127.0.0.1:6379/5]
Prints: reminders delivered (and twice), the rate achieved against the configured one, 429
answers, the busiest second at the double, and how many each instance sent. Target: busiest
second <= rate, no 429, each reminder once, >= 85 % of the rate (the shared grid plans 90 %).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on sys.path and its telegram.py would shadow
# python-telegram-bot.
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from bench.bot_api_process import DoubleProcess  # noqa: E402
from bot.app import open_database  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from core.catalog import Catalog  # noqa: E402
from storage.catalog_repo import import_catalog  # noqa: E402
from tests.channels.instances import STARTED, busiest_second, instances, wait_for_log  # noqa: E402
from tests.course_setup import course_at, enrol, sessions_at  # noqa: E402
from tests.dbutil import fresh_postgres_url  # noqa: E402
from tests.doubles.telegram_api import DEFAULT_TOKEN, SEND_METHODS  # noqa: E402

DATA_KEY = "bench-data-key-0123456789"
SENT = re.compile(r"dispatch: sent=(\d+)")
DROPPED = re.compile(r"grid times used, (\d+) dropped so far")


async def _prepare(url: str, count: int, lead: int) -> None:
    """The sample catalog, one course whose next session's reminder is due in ~20 s, and
    `count` trainees enrolled long ago (reminders only, no welcomes)."""
    db, _ = await open_database(load_settings(database_url=url, data_key=DATA_KEY))
    try:
        session_at = datetime.now(UTC) + timedelta(minutes=lead, seconds=20)
        starts = [session_at - timedelta(days=1), session_at]
        course = course_at("bench-instances", starts)
        await import_catalog(db, Catalog(courses=[course], sessions=sessions_at(course.id, starts)))
        users = [f"telegram:{3_000_000 + i}" for i in range(count)]
        await enrol(db, course.id, users, created_at=starts[0] - timedelta(days=1))
    finally:
        await db.dispose()


async def bench(args: argparse.Namespace) -> None:
    load = os.getloadavg()
    lead = int(args.count / args.rate * 1.5 / 60) + 3
    double = DoubleProcess()
    calls: list[dict[str, Any]] = []
    sent_by: dict[str, int] = {}
    dropped_by: dict[str, int] = {}
    try:
        await double.ready()
        await double.config(rate_overall=args.rate, rate_per_chat=1.0)
        async with fresh_postgres_url(args.database, prefix="mf_bench") as url:
            await _prepare(url, args.count, lead)
            env = {
                "MF_DATABASE_URL": url,
                "MF_DATA_KEY": DATA_KEY,
                "MF_TELEGRAM_TOKEN": DEFAULT_TOKEN,
                "MF_TELEGRAM_API_URL": double.api_url,
                "MF_TELEGRAM_MAX_RATE": str(args.rate),
                "MF_REMINDERS": f"{lead}m",
                "MF_QUIET_HOURS": "",
                **({"MF_REDIS_URL": args.redis} if args.redis else {}),
            }
            with (
                tempfile.TemporaryDirectory() as tmp,
                instances(Path(tmp), env, args.instances) as group,
            ):
                for instance in group:
                    instance.start()
                for instance in group:
                    await wait_for_log(instance, STARTED)
                deadline = time.monotonic() + args.count / args.rate * 2 + 120
                while time.monotonic() < deadline:
                    await asyncio.sleep(1.0)
                    response = await double.client.get(f"/_double/calls?since={len(calls)}")
                    calls += response.json()
                    if sum(1 for c in calls if _delivered(c)) >= args.count:
                        break
                await asyncio.sleep(3.0)  # anything sent twice arrives meanwhile
                calls += (await double.client.get(f"/_double/calls?since={len(calls)}")).json()
                for instance in group:
                    sent_by[instance.name] = sum(map(int, SENT.findall(instance.log())))
                    dropped_by[instance.name] = max(
                        map(int, DROPPED.findall(instance.log())), default=0
                    )
    finally:
        await double.close()
    sends = [c for c in calls if c["method"] in SEND_METHODS]
    delivered = sorted(float(c["at"]) for c in sends if _delivered(c))
    per_chat = Counter(c["params"]["chat_id"] for c in sends if _delivered(c))
    span = delivered[-1] - delivered[0] if len(delivered) > 1 else 0.0
    achieved = (len(delivered) - 1) / span if span else 0.0
    twice = sum(per_chat.values()) - len(per_chat)
    print(
        f"{args.instances} instances, budget in {'Redis' if args.redis else 'PostgreSQL'}: "
        f"{len(per_chat)}/{args.count} reminders delivered, {twice} twice; "
        f"{span:.1f} s = {achieved:.1f}/s ({achieved / args.rate:.1%} of {args.rate:g}/s);"
        f" 429 answers: {sum(1 for c in sends if c['status'] == 429)}; busiest second at the "
        f"double: {busiest_second([float(c['at']) for c in sends])} (limit {args.rate:g})"
    )
    print("sent per instance: " + ", ".join(f"{k} {v}" for k, v in sent_by.items()))
    print(
        "grid times dropped (come too late on a busy instance): "
        + ", ".join(f"{k} {v}" for k, v in dropped_by.items())
    )
    print(
        f"{os.cpu_count()} CPUs; load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}"
    )


def _delivered(call: dict[str, Any]) -> bool:
    return bool(call["method"] == "sendMessage" and call["status"] == 200)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True, help="a PostgreSQL server's URL")
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--redis", help="keep the budget in this Redis (MF_REDIS_URL)")
    asyncio.run(bench(parser.parse_args()))
