"""The push rate limiter on a fake clock: what a platform counting requests in a sliding 1-second
window by arrival (like the Bot API double) would see, for many senders and any mix of chats, on a
calm or a busy event loop, with a platform that is itself held up now and then."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.outbox import _Flight
from bot.ratelimit import Priority, RateLimiter
from storage.outbox_repo import OutboxRow

EPS = 1e-9
WRITE = 0.003  # from the limiter's release to the request's write: a few steps of the loop
ANSWER = 0.002  # from the arrival to the answer being read here


class HoldUps:
    """Now and then something is held up for up to `longest` seconds, about `every` seconds
    apart (a garbage collection, a slow callback, a busy machine)."""

    def __init__(self, longest: float, every: float, rng: random.Random) -> None:
        self.longest, self.every, self._rng = longest, every, rng
        self._next = self._after(-math.inf) if longest else (math.inf, math.inf)

    def hold(self, start: float, seconds: float) -> None:
        self._next = (start, start + seconds)

    def when(self, t: float) -> float:
        """When something due at `t` happens: at `t`, or at the end of a hold-up."""
        while True:
            start, end = self._next
            if t < start:
                return t
            if t < end:
                return end
            self._next = self._after(end) if self.longest else (math.inf, math.inf)

    def _after(self, t: float) -> tuple[float, float]:
        start = max(t, 1000.0) + self._rng.expovariate(1.0 / self.every)
        return start, start + self._rng.uniform(0.0, self.longest)


@dataclass
class FakeTime:
    """A clock that moves only when every task is asleep; while the event loop is held up,
    whatever falls due runs late, all at the end of it."""

    stalls: float = 0.0  # the event loop's hold-ups: up to this long...
    every: float = 2.0  # ...about this many seconds apart
    jitter: float = 0.0  # every wake-up is up to this late as well
    seed: int = 1
    now: float = 1000.0
    sleeping: int = 0
    _timers: list[tuple[float, int, asyncio.Future[None]]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.loop = HoldUps(self.stalls, self.every, self._rng)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = self.now + max(0.0, seconds) + self._rng.uniform(0.0, self.jitter)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (wake, next(self._order), future))
        self.sleeping += 1
        try:
            await future
        finally:
            self.sleeping -= 1

    async def run(self, coros: list[Awaitable[None]]) -> None:
        """Runs the tasks to the end, moving the clock to the next wake-up whenever all of them
        are asleep."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        while not all(t.done() for t in tasks):
            await asyncio.sleep(0)
            alive = sum(not t.done() for t in tasks)
            if alive and self.sleeping == alive and self._timers:
                wake, _, future = heapq.heappop(self._timers)
                self.now = max(self.now, self.loop.when(wake))
                future.set_result(None)
        for t in tasks:
            t.result()


@dataclass
class Sent:
    at: float  # when the platform saw it
    chat: str


class Platform:
    """Receives requests; when it is held up, what came meanwhile is seen at the end of it."""

    def __init__(self, fake: FakeTime, stalls: float = 0.0, every: float = 3.0) -> None:
        self.fake = fake
        self.holdups = HoldUps(stalls, every, random.Random(fake.seed + 100))
        self.sent: list[Sent] = []

    async def request(self, chat: str) -> None:
        """Called holding a slot: writes the request, which arrives, and waits for the answer."""
        await self.fake.sleep(WRITE)
        at = self.holdups.when(self.fake.clock())
        self.sent.append(Sent(at, chat))
        await self.fake.sleep(at - self.fake.clock() + ANSWER)


def workers(
    limiter: RateLimiter,
    platform: Platform,
    chats: list[str],
    concurrency: int = 32,
    mark: float = 0.02,
    on_release: Callable[[int], None] | None = None,
) -> list[Awaitable[None]]:
    """`concurrency` senders taking messages from a queue in order, as the dispatcher does:
    take a slot, make the request, then mark the row."""
    queue = list(reversed(chats))
    released = itertools.count(1)

    async def one() -> None:
        while queue:
            chat = queue.pop()
            async with limiter.slot(chat):
                if on_release is not None:
                    on_release(next(released))
                await platform.request(chat)
            await platform.fake.sleep(mark)

    return [one() for _ in range(concurrency)]


async def all_at_once(limiter: RateLimiter, platform: Platform, chats: list[str]) -> None:
    """Every message asks at once, in queue order (all due at the same moment)."""

    async def one(chat: str) -> None:
        async with limiter.slot(chat):
            await platform.request(chat)

    await platform.fake.run([one(c) for c in chats])


def busiest_second(times: list[float]) -> int:
    """The most arrivals in any closed 1-second window."""
    times = sorted(times)
    most, j = 0, 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j + 1 < len(times) and times[j + 1] <= start + 1.0 + EPS:
            j += 1
        most = max(most, j - i + 1)
    return most


def closest_in_chat(sent: list[Sent]) -> float:
    """The shortest time between two arrivals in the same chat."""
    by_chat: dict[str, list[float]] = {}
    for s in sent:
        by_chat.setdefault(s.chat, []).append(s.at)
    gaps = [b - a for ts in by_chat.values() for a, b in itertools.pairwise(sorted(ts))]
    return min(gaps, default=float("inf"))


def mixed_chats(n: int, rate: float, seed: int) -> list[str]:
    """A queue of n messages: most to chats of their own; some chats get several in a row, and
    a few busy chats get one every couple of seconds throughout. The last fifth are single
    messages, so the end of the run is paced by the limiter, not by one chat's last messages."""
    rng = random.Random(seed)
    busy = [f"busy{k}" for k in range(math.ceil(rate * 0.3))]  # each gets ~0.5/s at most
    out: list[str] = []
    while len(out) < n * 0.8:
        roll = rng.random()
        if roll < 0.15:
            out.append(rng.choice(busy))
        elif roll < 0.35:
            out += [f"burst{len(out)}"] * rng.randrange(2, 6)  # several for one chat in a row
        else:
            out.append(f"u{len(out)}")
    out += [f"u{i}" for i in range(len(out), n)]
    return out[:n]


def check(platform: Platform, limiter: RateLimiter, count: int) -> float:
    """Asserts what the platform checks; returns the rate it saw over the whole run."""
    sent = platform.sent
    assert len(sent) == count
    times = sorted(s.at for s in sent)
    assert busiest_second(times) <= limiter.rate
    assert closest_in_chat(sent) > 1.0  # one per second per chat
    return (len(times) - 1) / (times[-1] - times[0])


def setting(busy: bool, seed: int = 1) -> tuple[FakeTime, Platform]:
    """Calm; or busy: wake-ups up to 2 ms late, the event loop held up for up to 100 ms every
    2 s or so and the platform for up to 150 ms every 3 s or so (the safety margin leaves
    50 ms in a second)."""
    if not busy:
        fake = FakeTime(seed=seed)
        return fake, Platform(fake)
    fake = FakeTime(stalls=0.1, every=2.0, jitter=0.002, seed=seed)
    return fake, Platform(fake, stalls=0.15, every=3.0)


@pytest.mark.parametrize("rate", [30.0, 10.0, 50.0])
@pytest.mark.parametrize("busy", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
async def test_no_second_holds_more_than_rate_for_any_mix_of_chats(
    rate: float, busy: bool, seed: int
) -> None:
    fake, platform = setting(busy, seed)
    limiter = RateLimiter(rate, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    count = int(rate * 40)
    chats = mixed_chats(count, rate, seed)
    assert len(set(chats)) < 0.8 * len(chats)  # many messages share a chat
    await all_at_once(limiter, platform, chats)
    achieved = check(platform, limiter, count)
    assert achieved >= 0.9 * rate, f"{achieved:.2f}/s of {rate}/s"


@pytest.mark.parametrize("busy", [False, True])
async def test_senders_taking_turns_keep_90_percent_of_the_rate(busy: bool) -> None:
    # As the dispatcher does: 64 senders, each taking a slot, sending, then marking its row.
    fake, platform = setting(busy)
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    chats = [f"u{i}" for i in range(1500)]
    await fake.run(workers(limiter, platform, chats, concurrency=64))
    achieved = check(platform, limiter, len(chats))
    assert achieved >= 0.9 * 30, f"{achieved:.2f}/s"


@pytest.mark.parametrize("where", ["here", "platform"])
async def test_a_hold_up_on_the_way_does_not_crowd_a_second(where: str) -> None:
    # Request 100 leaves on time but reaches the platform 80 ms late, together with 101 and
    # 102 (held up here, before the write, or at the platform). Request 130 must not then go
    # on its usual time, or the platform sees 31 requests within a second: it waits for the
    # answer to 100, which comes back late.
    fake, platform = setting(busy=False)
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)

    def on_release(n: int) -> None:
        if n == 100:
            held = fake.loop if where == "here" else platform.holdups
            held.hold(fake.clock() + 0.001, 0.08)

    chats = [f"u{i}" for i in range(300)]
    await fake.run(workers(limiter, platform, chats, on_release=on_release))
    check(platform, limiter, len(chats))


async def test_a_chat_that_must_wait_neither_blocks_others_nor_shares_their_time() -> None:
    # The old limiter sent a message whose chat was not ready at the chat's time while its
    # overall slot was elsewhere, so two requests could leave together.
    fake, platform = setting(busy=False)
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    chats = [c for i in range(300) for c in ("same", f"u{i}")]  # every other one to one chat
    await all_at_once(limiter, platform, chats)
    times = sorted(s.at for s in platform.sent)
    assert min(b - a for a, b in itertools.pairwise(times)) >= limiter.interval - EPS
    same = [s.at for s in platform.sent if s.chat == "same"]
    assert all(b - a >= limiter.per_chat - EPS for a, b in itertools.pairwise(same))
    # The others were not held up behind the waiting chat: they went at the full pace.
    others = sorted(s.at for s in platform.sent if s.chat != "same")
    assert (len(others) - 1) / (others[-1] - others[0]) >= 0.9 * 30


async def test_one_chat_is_paced_in_order() -> None:
    fake = FakeTime(jitter=0.01)
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    sent: list[tuple[int, float]] = []

    async def one(n: int) -> None:
        await fake.sleep(n * 0.1)  # asked in this order
        async with limiter.slot("only"):
            sent.append((n, fake.clock()))

    await fake.run([one(n) for n in range(6)])
    assert [n for n, _ in sent] == list(range(6))
    assert all(b - a >= 1.0 for (_, a), (_, b) in itertools.pairwise(sent))


async def test_chat_ready_waits_for_the_chat_and_takes_nothing() -> None:
    fake = FakeTime()
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    seen: list[float] = []

    async def first() -> None:
        async with limiter.slot("a"):
            seen.append(fake.clock())
        await limiter.chat_ready("a")
        seen.append(fake.clock())
        async with limiter.slot("b"):  # nothing was reserved for "a": "b" goes at once
            seen.append(fake.clock())

    start = fake.now
    await fake.run([first()])
    assert seen == [start, pytest.approx(start + limiter.per_chat), seen[1]]


async def test_a_pause_stops_everyone_including_those_already_waiting() -> None:
    fake, platform = setting(busy=False)
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    releases: list[float] = []

    def on_release(n: int) -> None:
        releases.append(fake.clock())
        if n == 100:  # the platform answers this one with 429, retry_after 2 s
            limiter.pause(2.0)

    chats = [f"u{i}" for i in range(400)]
    await fake.run(workers(limiter, platform, chats, on_release=on_release))
    at = releases[99]
    assert not [r for r in releases if at < r < at + 2.0 - EPS]  # 31 were waiting already
    assert len(platform.sent) == 400  # everyone got through after the pause
    after = sorted(r for r in releases if r >= at + 2.0 - EPS)
    assert busiest_second(after) <= 30
    assert (len(after) - 1) / (after[-1] - after[0]) >= 0.9 * 30


async def test_a_request_still_out_holds_back_the_one_a_second_later() -> None:
    # The platform answers request 1 only after 3 s: until then it may count it at any moment,
    # so request 31 waits for that answer, and goes more than a second after it.
    fake = FakeTime()
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    released: list[float] = []

    async def one(n: int) -> None:
        async with limiter.slot(f"u{n}"):
            released.append(fake.clock())
            await fake.sleep(3.0 if n == 0 else ANSWER)

    start = fake.now
    await fake.run([one(n) for n in range(31)])
    assert released[29] < start + 1.1
    assert released[30] > start + 3.0 + 1.0


async def test_many_chats_are_forgotten_without_losing_the_pace() -> None:
    fake, platform = setting(busy=False)
    limiter = RateLimiter(1000, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    chats = [f"u{i}" for i in range(12_000)] + ["u0", "u11999"]
    await fake.run(workers(limiter, platform, chats, concurrency=64, mark=0.0))
    check(platform, limiter, len(chats))


async def test_on_the_real_clock() -> None:
    limiter = RateLimiter(200, per_chat=0.05)
    loop = asyncio.get_running_loop()
    sent: list[Sent] = []

    async def one(chat: str) -> None:
        async with limiter.slot(chat):
            sent.append(Sent(loop.time(), chat))  # loop.time() is time.monotonic()

    await asyncio.gather(*(one(f"c{i % 7}") for i in range(60)))
    assert busiest_second([s.at for s in sent]) <= 200
    assert closest_in_chat(sent) >= 0.05 - 0.001


# Replies and pushes share one budget: a reply goes before the pushes still waiting.


@pytest.mark.parametrize("busy", [False, True])
async def test_replies_go_before_the_pushes_waiting_and_no_second_holds_more(busy: bool) -> None:
    # 300 pushes are due at once (10 s of sending at 30/s); three replies of three messages
    # each come in while they go out. Each reply goes out at once, back to back, and the
    # pushes keep their order, each waiting a little longer.
    fake, platform = setting(busy)
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    replies: dict[str, tuple[float, float]] = {}  # chat -> (asked, last message answered)

    async def push(chat: str) -> None:
        async with limiter.slot(chat):
            await platform.request(chat)

    async def reply(chat: str, after: float) -> None:
        await fake.sleep(after)
        asked = fake.clock()
        for _ in range(3):
            async with limiter.slot(chat, Priority.REPLY):
                await platform.request(chat)
        replies[chat] = (asked, fake.clock())

    pushes = [f"u{i}" for i in range(300)]
    senders: list[Awaitable[None]] = [push(c) for c in pushes]
    senders += [reply("r1", 2.0), reply("r2", 4.3), reply("r3", 7.7)]
    await fake.run(senders)

    assert len(platform.sent) == 309
    assert busiest_second([s.at for s in platform.sent]) <= 30
    pushed = [s for s in platform.sent if s.chat.startswith("u")]
    assert closest_in_chat(pushed) > 1.0
    if not busy:
        assert [s.chat for s in pushed] == pushes  # the pushes kept their order
    for chat, (asked, done) in replies.items():
        assert done - asked < 0.25 + (0.3 if busy else 0.0), chat  # 3 slots, not the queue
        arrived = [s.at for s in platform.sent if s.chat == chat]
        later = [s for s in pushed if s.at > arrived[-1]]
        assert len(later) > 50, chat  # pushes asked long before it waited behind it
    last_push = max(s.at for s in pushed)
    assert last_push < fake.clock()
    rate = (len(platform.sent) - 1) / (last_push - min(s.at for s in platform.sent))
    assert rate >= 0.9 * 30  # the replies took their slots from the pushes, none wasted


@pytest.mark.parametrize("rate", [30, 1000])
async def test_a_burst_of_replies_is_not_spread_over_the_grid(rate: int) -> None:
    # 50 people write in the same instant: up to `rate` replies leave together (the platform
    # counts a second, it does not ask for even spacing); beyond it the rule on answers holds.
    fake, platform = setting(busy=False)
    limiter = RateLimiter(rate, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    released: list[float] = []

    async def reply(chat: str) -> None:
        async with limiter.slot(chat, Priority.REPLY):
            released.append(fake.clock())
            await platform.request(chat)

    start = fake.now
    await fake.run([reply(f"r{i}") for i in range(50)])
    together = sorted(released)[: min(50, rate)]
    assert together[-1] - start < 0.001  # not 50 grid intervals (50 ms at 1000/s)
    assert busiest_second([s.at for s in platform.sent]) <= rate
    assert len(platform.sent) == 50


async def test_a_reply_does_not_wait_for_its_chat_but_the_next_push_there_does() -> None:
    fake, platform = setting(busy=False)
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    released: list[tuple[str, float]] = []

    async def send(what: str, priority: Priority) -> None:
        async with limiter.slot("a", priority):
            released.append((what, fake.clock()))
            await platform.request("a")

    async def conversation() -> None:
        await send("push", Priority.PUSH)
        await send("reply 1", Priority.REPLY)  # right after the push: no pause for the chat
        await send("reply 2", Priority.REPLY)
        await send("next push", Priority.PUSH)

    await fake.run([conversation()])
    times = dict(released)
    assert times["reply 1"] - times["push"] < 0.1
    assert times["reply 2"] - times["reply 1"] < 0.1
    assert times["next push"] - times["reply 2"] >= limiter.per_chat - EPS
    assert busiest_second([s.at for s in platform.sent]) <= 30


async def test_a_pause_holds_replies_too() -> None:
    fake, platform = setting(busy=False)
    limiter = RateLimiter(30, per_chat=1.0, clock=fake.clock, sleep=fake.sleep)
    released: list[float] = []

    async def reply() -> None:
        await fake.sleep(0.5)
        async with limiter.slot("r", Priority.REPLY):
            released.append(fake.clock())
            await platform.request("r")

    start = fake.now
    limiter.pause(3.0)
    await fake.run([reply()])
    assert released[0] >= start + 3.0 - EPS


# The dispatcher's side: a user's rows go one after another, so a row waiting for its chat
# holds no sending slot while other users' rows go on.


def _row(row_id: int, user: str) -> OutboxRow:
    return OutboxRow(
        id=row_id,
        user_key=user,
        kind="reminder",
        payload={},
        due_at=datetime(2026, 1, 1, tzinfo=UTC),
        attempts=1,
        session_id=None,
        enrolment_id=None,
    )


async def test_a_users_rows_go_one_after_another_without_holding_up_others() -> None:
    events: list[tuple[str, int]] = []

    async def send(row: OutboxRow) -> None:
        events.append(("start", row.id))
        await asyncio.sleep(0.02 if row.user_key == "telegram:a" else 0)
        events.append(("end", row.id))

    flight = _Flight(send)
    users = ["telegram:a", "telegram:a", "telegram:b", "telegram:a", "telegram:c"]
    flight.add([_row(n, u) for n, u in enumerate(users, start=1)])
    assert flight.pending == 5
    await flight.until_at_most(3)  # b and c are done while a's first row still goes on
    assert {("end", 3), ("end", 5)} <= set(events)
    assert ("start", 2) not in events
    await flight.join()
    assert flight.pending == 0
    a = [e for e in events if e[1] in (1, 2, 4)]
    assert a == [("start", 1), ("end", 1), ("start", 2), ("end", 2), ("start", 4), ("end", 4)]


async def test_a_failed_row_is_raised_and_the_others_still_go() -> None:
    done: list[int] = []

    async def send(row: OutboxRow) -> None:
        await asyncio.sleep(0)
        if row.id == 1:
            raise RuntimeError("database gone")
        done.append(row.id)

    flight = _Flight(send)
    flight.add([_row(1, "telegram:a"), _row(2, "telegram:a"), _row(3, "telegram:b")])
    with pytest.raises(RuntimeError, match="database gone"):
        await flight.join()
    await flight.join()
    assert sorted(done) == [2, 3]
