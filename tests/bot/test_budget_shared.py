"""The shared rate budget's rules, two "instances" (two budgets, each with its own connection)
in one process over a real store: PostgreSQL (migration 0007's tables) and Redis."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.budget_shared import LATE, SHARED_SAFETY, SharedBudget, SharedGrid, SlotStore
from bot.ratelimit import Priority
from storage.budget_pg import PgSlotStore
from storage.budget_redis import RedisSlotStore
from tests.dbutil import fresh_database, postgres_base_url

ACCOUNT = "telegram:42"
StoreFactory = Callable[[], SlotStore]


@pytest.fixture(params=["postgres", "redis"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """Makes stores over one shared state, as each instance would."""
    if request.param == "redis":
        url = os.environ.get("MF_TEST_REDIS_URL")
        if not url:
            pytest.skip("Redis not configured (MF_TEST_REDIS_URL)")
        client = Redis.from_url(url)
        async for key in client.scan_iter("mf:budget:*"):
            await client.delete(key)
        await client.aclose()
        yield lambda: RedisSlotStore(url)
        return
    if postgres_base_url() is None:
        pytest.skip("PostgreSQL not configured (MF_TEST_DATABASE_URL)")
    async with fresh_database("postgres", tmp_path) as db:
        yield lambda: PgSlotStore(db.url)


@pytest.fixture
async def pair(stores: StoreFactory) -> AsyncIterator[tuple[SharedBudget, SharedBudget]]:
    """Two instances' budgets: 10 requests/s for the bot, pushes 1 s apart per chat."""
    budgets = (
        SharedBudget(stores(), {"telegram": (10.0, 1.0)}),
        SharedBudget(stores(), {"telegram": (10.0, 1.0)}),
    )
    try:
        yield budgets
    finally:
        for budget in budgets:
            await budget.close()


async def _send(
    budget: SharedBudget, chat: str, priority: Priority, log: list[tuple[float, str]]
) -> None:
    async with budget.slot(ACCOUNT, chat, priority):
        log.append((time.monotonic(), chat))


def _gaps(log: list[tuple[float, str]]) -> list[float]:
    times = sorted(at for at, _ in log)
    return [b - a for a, b in zip(times, times[1:], strict=False)]


async def test_two_instances_take_turns_on_one_grid(
    pair: tuple[SharedBudget, SharedBudget],
) -> None:
    log: list[tuple[float, str]] = []
    await asyncio.gather(
        *(_send(pair[n % 2], f"telegram:{n}", Priority.PUSH, log) for n in range(24))
    )
    gap = 1 / (10 * SHARED_SAFETY)
    assert len(log) == 24
    assert min(_gaps(log)) > gap - LATE  # never two requests closer than the grid allows
    times = sorted(at for at, _ in log)
    assert all(b - a > 1.0 for a, b in zip(times, times[10:], strict=False))  # ≤ 10 a second


async def test_a_reply_on_one_instance_goes_before_the_pushes_waiting_on_the_other(
    pair: tuple[SharedBudget, SharedBudget],
) -> None:
    pushing, replying = pair
    log: list[tuple[float, str]] = []
    pushes = [
        asyncio.create_task(_send(pushing, f"telegram:{n}", Priority.PUSH, log)) for n in range(30)
    ]
    await asyncio.sleep(0.5)  # the pushes are going, 9 a second
    await _send(replying, "telegram:reply", Priority.REPLY, log)
    await asyncio.gather(*pushes)
    order = [chat for _, chat in sorted(log)]
    assert order.index("telegram:reply") <= 10  # behind at most a lease or two of pushes
    assert min(_gaps(log)) > 1 / (10 * SHARED_SAFETY) - LATE


async def test_a_429_on_one_instance_pauses_the_other(
    pair: tuple[SharedBudget, SharedBudget],
) -> None:
    refused, other = pair
    log: list[tuple[float, str]] = []
    await _send(refused, "telegram:1", Priority.REPLY, log)
    refused.pause(ACCOUNT, 1.5)  # Telegram answered 429, retry_after 1.5
    paused_at = time.monotonic()
    await asyncio.sleep(0.05)  # the pause reaches the store
    await _send(other, "telegram:2", Priority.REPLY, log)
    assert log[-1][0] - paused_at >= 1.4


async def test_pushes_to_one_chat_keep_its_pace_across_instances(
    pair: tuple[SharedBudget, SharedBudget],
) -> None:
    log: list[tuple[float, str]] = []
    await asyncio.gather(*(_send(b, "telegram:7", Priority.PUSH, log) for b in pair))
    assert len(log) == 2
    assert _gaps(log)[0] >= 1.0


async def test_a_time_come_too_late_is_dropped_not_used(stores: StoreFactory) -> None:
    store = stores()
    grid = SharedGrid(store, ACCOUNT, 30.0)  # leases of 5 times, 37 ms apart
    left: list[float] = []

    async def request(hold_up: bool) -> None:
        await grid.take(Priority.PUSH)
        left.append(time.monotonic())
        if hold_up:
            time.sleep(0.3)  # noqa: ASYNC251 - the event loop held up, as on a busy machine

    try:
        await asyncio.gather(request(True), *(request(False) for _ in range(4)))
    finally:
        await grid.close()
        await store.close()
    assert grid.used == 5
    assert grid.dropped >= 3  # the leased times that passed meanwhile were let go
    assert left[1] - left[0] >= 0.3  # the next left only at a fresh time, not a stale one
    assert min(_gaps([(at, "") for at in left])) > grid.gap - LATE


class _SlowStore:
    """The real store behind a slow network: every round trip takes 80 ms more (> LATE)."""

    def __init__(self, store: SlotStore) -> None:
        self._store = store

    async def lease(
        self, account: str, count: int, gap: float, lead: float, ahead: float
    ) -> tuple[int, float, float]:
        await asyncio.sleep(0.04)
        answer = await self._store.lease(account, count, gap, lead, ahead)
        await asyncio.sleep(0.04)
        return answer

    async def pause(self, account: str, seconds: float) -> None:
        await self._store.pause(account, seconds)

    async def claim_chat(self, account: str, chat: str, hold: float) -> float:
        return await self._store.claim_chat(account, chat, hold)

    async def close(self) -> None:
        await self._store.close()


async def test_a_slow_store_delays_sending_but_never_stops_it(stores: StoreFactory) -> None:
    budget = SharedBudget(_SlowStore(stores()), {"telegram": (10.0, 1.0)})
    log: list[tuple[float, str]] = []
    try:
        await asyncio.wait_for(
            asyncio.gather(
                *(_send(budget, f"telegram:{n}", Priority.REPLY, log) for n in range(12))
            ),
            timeout=15,
        )
    finally:
        await budget.close()
    assert len(log) == 12
    assert min(_gaps(log)) > 1 / (10 * SHARED_SAFETY) - LATE
