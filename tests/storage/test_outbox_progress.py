"""A push re-queued half-way keeps how much of it went (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from storage import outbox_repo
from storage import tables as t
from storage.db import Database


async def test_a_requeued_row_keeps_the_payload_it_is_given_and_only_that(
    any_db: Database,
) -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    payload = {"session": "s-1", "note": "Buca'da ders"}
    async with any_db.write() as conn:
        await conn.execute(
            insert(t.outbox).values(
                user_key="telegram:1",
                kind="welcome",
                payload=json.dumps(payload),
                dedupe_key="welcome:1",
                due_at=now,
                created_at=now,
            )
        )
        [row] = await outbox_repo.claim_due(conn, now, 10)
        later = now + timedelta(seconds=30)
        await outbox_repo.retry_later(
            conn, row.id, later, "retry after 1 s", {**row.payload, "parts_sent": 1}
        )
    async with any_db.write() as conn:
        assert await outbox_repo.claim_due(conn, now, 10) == []  # not due before its time
        [again] = await outbox_repo.claim_due(conn, later, 10)
        assert again.payload == {**payload, "parts_sent": 1}
        assert again.attempts == 2
        await outbox_repo.retry_later(conn, again.id, later, "network")  # no new payload
    async with any_db.write() as conn:
        [third] = await outbox_repo.claim_due(conn, later, 10)
    assert third.payload == {**payload, "parts_sent": 1}
