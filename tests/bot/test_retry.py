"""The one retry policy: which delivery failures are tried again, after how long, how often."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp_api import (
    PAIR_RATE,
    SPAM_RATE,
    THROUGHPUT,
    GraphClient,
    Refused,
    SendFailed,
    Throttled,
    WindowClosed,
)
from bot.retry import ONCE, REQUEUE, TELEGRAM, WHATSAPP, RetryPolicy, Unretried
from core.delivery import Blocked, DeliveryError, Rejected, RetryLater, TransientError


def test_a_stated_wait_is_honoured_while_it_is_short_and_tries_are_left() -> None:
    assert TELEGRAM.delay(RetryLater(7), 0) == 7
    assert TELEGRAM.delay(RetryLater(7), 2) == 7
    assert TELEGRAM.delay(RetryLater(7), 3) is None  # the fourth try was the last
    assert TELEGRAM.delay(RetryLater(61), 0) is None  # longer than a minute: the caller's call


def test_network_trouble_backs_off_exponentially() -> None:
    waits = [TELEGRAM.delay(TransientError("timed out"), attempt) for attempt in range(4)]
    assert waits == [0.5, 1.0, 2.0, None]


@pytest.mark.parametrize(
    "error",
    [Blocked("blocked"), Rejected("bad request"), Unretried("conflict"), Refused(400, "bad")],
)
def test_blocks_refusals_and_unreadable_answers_are_not_tried_again(error: DeliveryError) -> None:
    assert TELEGRAM.delay(error, 0) is None
    assert WHATSAPP.delay(error, 0) is None


def test_a_push_on_telegram_is_tried_once() -> None:
    assert ONCE.delay(RetryLater(1), 0) is None
    assert ONCE.delay(TransientError("timed out"), 0) is None


async def test_whatsapp_throttling_pauses_grow_and_are_capped() -> None:
    client = GraphClient("http://graph", "v22.0", "PN", "token")
    try:
        classify = client._classify
        pauses = [classify(400, THROUGHPUT, "busy", a) for a in range(4)]
        pair = classify(400, PAIR_RATE, "too often", 2)
        spam = classify(400, SPAM_RATE, "spam", 0)
        down = classify(503, None, "down", 0)
        refused = classify(400, 100, "invalid parameter", 0)
        window = classify(400, 131047, "window", 0)
    finally:
        await client.aclose()
    assert [p.seconds for p in pauses if isinstance(p, Throttled)] == [1, 2, 4, 8]
    assert isinstance(pair, Throttled)
    assert pair.seconds == 24
    assert isinstance(spam, Throttled)
    assert spam.seconds == WHATSAPP.max_wait
    assert isinstance(down, SendFailed)
    assert WHATSAPP.delay(down, 0) == 0.5
    assert isinstance(refused, Refused)
    assert WHATSAPP.delay(refused, 0) is None
    assert isinstance(window, WindowClosed)


def test_the_outbox_requeues_five_deliveries_then_gives_up() -> None:
    # attempt n: the outbox row's delivery n+1 (a claim counts one)
    assert [REQUEUE.backoff_after(n) for n in range(5)] == [10, 20, 40, 80, None]


class _Flaky:
    def __init__(self, *errors: DeliveryError) -> None:
        self.errors = list(errors)
        self.attempts: list[int] = []

    async def __call__(self, attempt: int) -> str:
        self.attempts.append(attempt)
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class _Sleeps(list[float]):
    """Records the waits instead of sleeping."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> _Sleeps:
    return _Sleeps()


async def test_run_waits_between_tries_and_returns_the_answer(sleeps: _Sleeps) -> None:
    flaky = _Flaky(RetryLater(3), TransientError("reset"))
    assert await TELEGRAM.run(flaky, "test", sleep=sleeps) == "ok"
    assert flaky.attempts == [0, 1, 2]
    assert sleeps == [3, 1.0]


async def test_run_raises_the_last_error_when_no_try_is_left(sleeps: _Sleeps) -> None:
    flaky = _Flaky(*(TransientError(f"reset {n}") for n in range(5)))
    with pytest.raises(TransientError, match="reset 3"):
        await TELEGRAM.run(flaky, "test", sleep=sleeps)
    assert sleeps == [0.5, 1.0, 2.0]


async def test_run_raises_a_block_at_once(sleeps: _Sleeps) -> None:
    flaky = _Flaky(Blocked("blocked"))
    with pytest.raises(Blocked):
        await WHATSAPP.run(flaky, "test", "whatsapp:905321234567", sleep=sleeps)
    assert (flaky.attempts, sleeps) == ([0], [])


async def test_jitter_spreads_waits_within_its_bounds(sleeps: _Sleeps) -> None:
    policy = RetryPolicy(attempts=50, backoff=1.0, max_wait=1.0, jitter=0.1)
    await policy.run(_Flaky(*(TransientError("x") for _ in range(40))), "test", sleep=sleeps)
    assert all(0.9 <= s <= 1.1 for s in sleeps)
    assert len(set(sleeps)) > 1
