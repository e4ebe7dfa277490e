"""Leases on shared work: a claimed push and a held WhatsApp user belong to their instance until
its lease runs out (it died); only then does another take them (SQLite and PostgreSQL for the
outbox; the user claims exist where instances share PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from storage import outbox_repo, wa_claims
from storage import tables as t
from storage.db import Database
from storage.whatsapp_repo import InboundRow, mark_processed, store_inbound
from tests.dbutil import PG_ENV, fresh_database, postgres_base_url

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


async def test_a_live_senders_push_is_never_taken_an_expired_ones_is(any_db: Database) -> None:
    async with any_db.write() as conn:
        await conn.execute(
            insert(t.outbox).values(
                user_key="whatsapp:1",
                kind="welcome",
                payload=json.dumps({"session": "s-1"}),
                dedupe_key="welcome:1",
                due_at=NOW,
                created_at=NOW,
            )
        )
        [row] = await outbox_repo.claim_due(conn, NOW, 10, "a", LEASE)
    soon, late = NOW + timedelta(seconds=20), NOW + timedelta(seconds=31)
    async with any_db.write() as conn:  # "b" starts while "a" is sending: nothing is its own
        assert await outbox_repo.recover_in_flight(conn, soon) == 0
        assert await outbox_repo.claim_due(conn, soon, 10, "b", LEASE) == []
        assert await outbox_repo.renew_leases(conn, "a", soon + LEASE) == 1  # "a" lives on
        assert await outbox_repo.claim_due(conn, late, 10, "b", LEASE) == []
    much_later = soon + LEASE + timedelta(seconds=1)  # "a" died after its last renewal
    async with any_db.write() as conn:
        [again] = await outbox_repo.claim_due(conn, much_later, 10, "b", LEASE)
        assert again.id == row.id
        assert again.attempts == 2
        assert await outbox_repo.recover_in_flight(conn, much_later) == 0  # "b"'s now


@pytest.fixture
async def pg(tmp_path: Path) -> Database:  # type: ignore[misc]
    if postgres_base_url() is None:
        pytest.skip(f"PostgreSQL skipped: {PG_ENV} is not set")
    async with fresh_database("postgres", tmp_path) as db:
        yield db


def _row(user: str, n: int) -> InboundRow:
    return InboundRow(f"wamid.{user}.{n}", f"whatsapp:{user}", "{}", NOW + timedelta(seconds=n))


async def test_a_user_is_held_by_one_instance_and_let_go_only_when_all_is_taken_in(
    pg: Database,
) -> None:
    user = "whatsapp:1"
    async with pg.write() as conn:
        new, claims = await wa_claims.store_and_claim(conn, [_row("1", 1)], "a", NOW, NOW + LEASE)
    assert new == {"wamid.1.1"}
    assert claims == {user: wa_claims.Claim(user, mine=True, fresh=True, stored=1)}
    async with pg.write() as conn:  # "b" stores the user's next message: "a" holds the user
        # (with the first again, a redelivery: stored before, it is not counted)
        rows = [_row("1", 1), _row("1", 2)]
        new, claims = await wa_claims.store_and_claim(conn, rows, "b", NOW, NOW + LEASE)
    assert new == {"wamid.1.2"}
    assert claims == {user: wa_claims.Claim(user, mine=False, fresh=False, stored=2)}
    async with pg.write() as conn:  # "a" handled one message: it may not let go yet
        await mark_processed(conn, ["wamid.1.1"], NOW)
        left = await wa_claims.release(conn, "a", {user: 1})
    count, rows = left[user] or (0, [])
    assert count == 2
    assert [r.wamid for r in rows] == ["wamid.1.2"]
    async with pg.write() as conn:
        await mark_processed(conn, ["wamid.1.2"], NOW)
        assert await wa_claims.release(conn, "a", {user: 2}) == {user: None}
    async with pg.write() as conn:  # let go: the next store claims the user afresh
        _, claims = await wa_claims.store_and_claim(conn, [_row("1", 3)], "b", NOW, NOW + LEASE)
    assert claims[user] == wa_claims.Claim(user, mine=True, fresh=True, stored=1)


async def test_only_an_expired_hold_is_taken_over(pg: Database) -> None:
    async with pg.write() as conn:
        await wa_claims.store_and_claim(conn, [_row("1", 1)], "a", NOW, NOW + LEASE)
        await store_inbound(conn, [_row("2", 1)])
        # whatsapp:2's message has no holder (stored before claims existed)
    async with pg.write() as conn:
        assert await wa_claims.take_over(conn, "b", NOW, NOW + LEASE) == ["whatsapp:2"]
    later = NOW + LEASE + timedelta(seconds=1)
    async with pg.write() as conn:
        assert await wa_claims.renew(conn, "b", ["whatsapp:2"], later + LEASE) == 1
        assert await wa_claims.take_over(conn, "c", later, later + LEASE) == ["whatsapp:1"]
        left = await wa_claims.held(conn, "c", ["whatsapp:1"])
    assert left["whatsapp:1"][0] == 1
    assert [r.wamid for r in left["whatsapp:1"][1]] == ["wamid.1.1"]
