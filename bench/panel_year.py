"""A year of the assistant's life for bench/panel.py: message ids (turns), desk trainees,
reminders with their outcomes, unanswered texts, answers for today's sessions, and open
conversations in the inbox, inserted in chunks."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from storage import tables as t
from storage.db import Database

CHUNK = 10_000
CHANNELS = ["telegram"] * 6 + ["whatsapp"] * 4
WORDS = ["dron", "pilotluk", "kursu", "var", "mı", "ne", "zaman", "harçlık", "servis", "yemek",
         "sertifika", "online", "akşam", "hafta", "sonu", "çocuk", "bakımı", "ücret"]  # fmt: skip


async def _insert(db: Database, table: Any, rows: Iterator[dict[str, Any]], total: int) -> float:
    t0 = time.perf_counter()
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            async with db.write() as conn:
                await conn.execute(insert(table), batch)
            batch = []
    if batch:
        async with db.write() as conn:
            await conn.execute(insert(table), batch)
    return time.perf_counter() - t0


def _spread(rng: random.Random, now: datetime, days: int) -> Callable[[], datetime]:
    seconds = days * 86_400
    return lambda: now - timedelta(seconds=rng.randrange(seconds))


async def fill_year(
    db: Database, *, turns: int, trainees: int, conversations: int, seed: int = 11
) -> dict[str, str]:
    """Fills the year; returns an open conversation's id for the bench to open."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    when = _spread(rng, now, 365)
    async with db.read() as conn:
        courses = [r[0] for r in await conn.execute(select(t.courses.c.id))]
        centres = [r[0] for r in await conn.execute(select(t.centers.c.id))]
        today = [
            r[0]
            for r in await conn.execute(
                select(t.sessions.c.id).where(
                    t.sessions.c.starts_at >= now - timedelta(hours=12),
                    t.sessions.c.starts_at < now + timedelta(hours=12),
                )
            )
        ]

    took = await _insert(
        db,
        t.processed_messages,
        (
            {
                "user_key": f"{rng.choice(CHANNELS)}:{rng.randrange(150_000)}",
                "message_id": f"m{n}",
                "processed_at": when(),
            }
            for n in range(turns)
        ),  # fmt: skip
        turns,
    )
    print(f"  turns: {turns} message ids over a year in {took:.1f} s", flush=True)

    took = await _insert(
        db,
        t.enrolments,
        (
            {
                "course_id": rng.choice(courses),
                "user_key": f"telegram:{300000 + n}",
                "full_name": "Kursiyer Deneme",
                "phone": f"+90533{n:07d}",
                "source": "desk",
                "created_at": when(),
            }
            for n in range(trainees)
        ),  # fmt: skip
        trainees,
    )
    print(f"  trainees: {trainees} desk enrolments in {took:.1f} s", flush=True)

    reminders = trainees * 2
    outcomes = [("sent", "")] * 90 + [("failed", "x")] * 3 + [("skipped", "blocked")] * 7
    took = await _insert(
        db,
        t.outbox,
        (
            {
                "user_key": f"telegram:{300000 + n % trainees}",
                "kind": "reminder",
                "payload": "{}",
                "dedupe_key": f"bench-r{n}",
                "status": s,
                "last_error": e,
                "due_at": (d := when()),
                "created_at": d,
            }
            for n, (s, e) in ((n, rng.choice(outcomes)) for n in range(reminders))
        ),  # fmt: skip
        reminders,
    )
    print(f"  reminders: {reminders} outbox rows in {took:.1f} s", flush=True)

    texts = turns // 50  # 2% of turns the assistant could not answer
    async with db.write() as conn:
        await conn.execute(
            insert(t.unanswered_groups),
            [{"id": g, "first_seen": now, "last_seen": now} for g in range(1, 2001)],
        )
    took = await _insert(
        db,
        t.unanswered_texts,
        (
            {
                "group_id": rng.randrange(1, 2001),
                "user_key": f"telegram:{rng.randrange(150_000)}",
                "at": when(),
                "reason": rng.choice(["fallback"] * 3 + ["no_course", "repeated"]),
                "text": (s := " ".join(rng.sample(WORDS, 4))),
                "folded": s,
            }
            for _ in range(texts)
        ),  # fmt: skip
        texts,
    )
    print(f"  unanswered: {texts} texts in 2,000 groups in {took:.1f} s", flush=True)

    async with db.write() as conn:
        await conn.execute(
            insert(t.attendance),
            [
                {"session_id": s, "enrolment_id": n, "user_key": f"telegram:{n}",
                 "answer": rng.choice(["yes", "yes", "no"]), "answered_at": now}
                for s in today for n in range(1, 21)
            ],
        )  # fmt: skip
        opened = [now - timedelta(minutes=rng.randrange(60 * 72)) for _ in range(conversations)]
        await conn.execute(
            insert(t.inbox_threads),
            [
                {"id": n + 1, "user_key": f"whatsapp:90532{n:07d}",
                 "centre_id": rng.choice(centres) if n % 10 else None, "status": "open",
                 "context": "Bilgisayar işletmenliği", "opened_at": o,
                 "waiting_since": o if n % 3 else None, "last_message_at": o}
                for n, o in enumerate(opened)
            ],
        )  # fmt: skip
        await conn.execute(
            insert(t.inbox_messages),
            [
                {"thread_id": n + 1, "at": o, "sender": "citizen", "text": "Kurs ne zaman?"}
                for n, o in enumerate(opened)
                for _ in range(3)
            ],
        )
    print(f"  inbox: {conversations} open conversations; today: {len(today)} sessions", flush=True)
    return {"thread": str(conversations // 2)}
