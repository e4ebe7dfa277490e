"""Two `meslek-bot run` processes on one PostgreSQL taking Telegram's webhook, against the Bot
API double: the one that stored a burst is killed with SIGKILL half-way through answering it;
the other takes its updates over once their lease ran out and answers every one. Only the
updates the killed instance had in hand may be answered twice. Counts only, never times."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.channels.instances import STARTED, instances, wait_for_log
from tests.channels.test_turns_crash import (
    APPLY,
    FIRST_USER,
    HELLO,
    IN_FLIGHT,
    SECRET,
    _answered_whole,
    _deliver,
    _sends,
    _update,
)
from tests.dbutil import fresh_postgres_url, postgres_base_url
from tests.doubles.telegram_api import TelegramDouble

BURST = 40
LEASE = 3  # seconds: how long a killed instance's updates wait before another takes them

pytestmark = pytest.mark.skipif(
    postgres_base_url() is None, reason="PostgreSQL skipped: MF_TEST_DATABASE_URL is not set"
)


async def test_a_killed_instances_updates_are_answered_by_another(tmp_path: Path) -> None:
    base = postgres_base_url()
    assert base is not None
    burst = [FIRST_USER + n for n in range(BURST)]
    async with fresh_postgres_url(base) as url, TelegramDouble() as tg:
        env = {
            "MF_DATABASE_URL": url,
            "MF_DATA_KEY": "test-data-key-0123456789",
            "MF_TELEGRAM_TOKEN": tg.token,
            "MF_TELEGRAM_API_URL": tg.api_url,
            "MF_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram",
            "MF_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "MF_LEASE_SECONDS": str(LEASE),
            # Replies paced at 8 calls a second (shared by both): the burst takes seconds.
            "MF_TELEGRAM_MAX_RATE": "8",
        }
        with instances(tmp_path, env, 2) as (first, second):
            first.start()  # it migrates and loads the catalog alone
            await wait_for_log(first, STARTED)
            second.start()
            await wait_for_log(second, STARTED)
            updates = [_update(n, APPLY if n % 2 else HELLO) for n in range(BURST)]
            await _deliver(first.port, updates)  # all stored by the first: 200 for each
            await tg.wait_for(lambda: len(_sends(tg, 200)) >= 6, within=60)
            first.kill()
            answered_before = _sends(tg, 200)
            assert len(answered_before) < BURST, "the kill came after the burst was answered"

            await tg.wait_for(lambda: _sends(tg, 200) >= set(burst), within=120)
            controls = [_update(BURST, HELLO), _update(BURST + 1, APPLY)]
            await _deliver(second.port, controls)
            await tg.wait_for(
                lambda: _sends(tg, 200) >= {FIRST_USER + BURST, FIRST_USER + BURST + 1}
            )
            await tg.settle(0.5)
            assert "took over" in second.log()
    twice = _answered_whole(tg, burst, {FIRST_USER + BURST, FIRST_USER + BURST + 1})
    assert set(twice) <= answered_before
    assert len(twice) <= IN_FLIGHT, twice
