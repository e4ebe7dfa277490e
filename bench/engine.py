"""Engine throughput on SQLite: FAQ turns per second, and form steps against a bare write.

Run by hand: `python bench/engine.py [--turns 3000] [--users 50]`. Prints its figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, update

from bot.app import build_assistant
from bot.settings import load_settings

try:
    from core.messages import Incoming, Kind
except ImportError:  # the layout before core/ (to compare with an older commit)
    from bot.messages import Incoming, Kind  # type: ignore[no-redef,import-not-found]
from storage import tables as t

FAQ = ["kurslar ücretli mi", "sertifika veriliyor mu", "devamsızlık hakkı kaç gün", "yaş sınırı"]
COURSES = [
    "barista kursu var mı",
    "ileri excel ne zaman başlıyor",
    "giyim üretimi kursu nerede",
    "buca'da pastacılık kursu",
]
FOLLOW_UPS = ["ne zaman başlıyor", "nerede", "kaç saat sürüyor", "hafta sonu olanı var mı"]


async def _turns(handle: object, messages: list[Incoming], users: int) -> tuple[float, list[float]]:
    """Runs the messages with `users` of them in flight at once; returns (seconds, latencies)."""
    latencies: list[float] = []
    queue: asyncio.Queue[Incoming] = asyncio.Queue()
    for m in messages:
        queue.put_nowait(m)

    async def worker() -> None:
        while not queue.empty():
            msg = queue.get_nowait()
            start = time.perf_counter()
            replies = await handle(msg)  # type: ignore[operator]
            latencies.append(time.perf_counter() - start)
            assert replies, msg.text

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(users)))
    return time.perf_counter() - start, latencies


async def _bare_writes(db: object, n: int) -> float:
    """The same statements a turn makes (read and update the user, read and save the
    conversation), in one write transaction each, without the engine around them."""
    now = datetime.now(UTC)
    async with db.write() as conn:  # type: ignore[attr-defined]
        await conn.execute(
            insert(t.users).values(key="bench:bare", channel="bench", created_at=now)
        )
        await conn.execute(insert(t.conversations).values(user_key="bench:bare", updated_at=now))
    start = time.perf_counter()
    for i in range(n):
        async with db.write() as conn:  # type: ignore[attr-defined]
            await conn.execute(select(t.users).where(t.users.c.key == "bench:bare"))
            await conn.execute(
                update(t.users).where(t.users.c.key == "bench:bare").values(last_inbound_at=now)
            )
            await conn.execute(
                select(t.conversations).where(t.conversations.c.user_key == "bench:bare")
            )
            await conn.execute(
                update(t.conversations)
                .where(t.conversations.c.user_key == "bench:bare")
                .values(data=f'{{"i": {i}, "name": "Ayşe Yılmaz"}}', updated_at=now)
            )
    return time.perf_counter() - start


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main(turns: int, users: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            data_key="bench-data-key-0123456789",
        )
        a = await build_assistant(settings)
        handle = a.engine.handle
        try:
            # Warm up: users exist, caches are hot.
            await _turns(
                handle, [Incoming(user=f"bench:{u}", text="merhaba") for u in range(users)], users
            )
            faq = [
                Incoming(user=f"bench:{i % users}", text=FAQ[i % len(FAQ)]) for i in range(turns)
            ]
            seconds, lat = await _turns(handle, faq, users)
            print(
                f"FAQ turns: {turns} by {users} users in {seconds:.2f} s = "
                f"{turns / seconds:.0f} turns/s;"
                f" latency p50 {_ms(lat, 0.5):.1f} ms, p99 {_ms(lat, 0.99):.1f} ms"
            )
            # The same with channel message ids, as Telegram and WhatsApp send them: each turn
            # then writes its dedupe row.
            with_ids = [
                Incoming(user=f"bench:{i % users}", text=FAQ[i % len(FAQ)], message_id=f"m{i}")
                for i in range(turns)
            ]
            id_seconds, id_lat = await _turns(handle, with_ids, users)
            print(
                f"FAQ turns with message ids: {turns / id_seconds:.0f} turns/s;"
                f" latency p50 {_ms(id_lat, 0.5):.1f} ms, p99 {_ms(id_lat, 0.99):.1f} ms"
            )
            # Course questions, then follow-ups on the course each user has in focus.
            course_turns = [
                Incoming(user=f"bench:{i % users}", text=COURSES[(i // users) % len(COURSES)])
                for i in range(turns)
            ]
            course_seconds, course_lat = await _turns(handle, course_turns, users)
            print(
                f"Course questions: {turns / course_seconds:.0f} turns/s;"
                f" latency p50 {_ms(course_lat, 0.5):.1f} ms, p99 {_ms(course_lat, 0.99):.1f} ms"
            )
            await _turns(
                handle,
                [Incoming(user=f"bench:{u}", text="barista kursu var mı") for u in range(users)],
                users,
            )
            follow_ups = [
                Incoming(user=f"bench:{i % users}", text=FOLLOW_UPS[(i // users) % 4])
                for i in range(turns)
            ]
            follow_seconds, follow_lat = await _turns(handle, follow_ups, users)
            print(
                f"Follow-ups on the course in focus: {turns / follow_seconds:.0f} turns/s;"
                f" latency p50 {_ms(follow_lat, 0.5):.1f} ms, p99 {_ms(follow_lat, 0.99):.1f} ms"
            )
            # Form steps: each user sits at the name question; "Ali Veli" then "geri" alternate,
            # each a real step that validates, moves the state and saves it.
            for u in range(users):
                user = f"form:{u}"
                r = await handle(Incoming(user=user, text="barista kursuna başvurmak istiyorum"))
                course = next(
                    b.data
                    for x in r
                    for b in x.buttons
                    if b.data.startswith(("apply_course", "apc"))
                )
                r = await handle(Incoming(user=user, kind=Kind.BUTTON, data=course))
                consent = next(b.data for x in r for b in x.buttons if b.data.endswith("|y"))
                await handle(Incoming(user=user, kind=Kind.BUTTON, data=consent))
            steps = [
                Incoming(
                    user=f"form:{i % users}", text="Ali Veli" if (i // users) % 2 == 0 else "geri"
                )
                for i in range(turns)
            ]
            form_seconds, form_lat = await _turns(handle, steps, users)
            bare_seconds = await _bare_writes(a.db, turns)
            form_rate, bare_rate = turns / form_seconds, turns / bare_seconds
            print(
                f"Form steps: {form_rate:.0f} steps/s (p50 {_ms(form_lat, 0.5):.1f} ms, "
                f"p99 {_ms(form_lat, 0.99):.1f} ms); bare write transaction of the same "
                f"statements: {bare_rate:.0f}/s; ratio {form_rate / bare_rate:.2f}"
            )
            print(f"median FAQ latency {statistics.median(lat) * 1000:.2f} ms")
        finally:
            await a.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--users", type=int, default=50)
    ns = parser.parse_args()
    asyncio.run(main(ns.turns, ns.users))
