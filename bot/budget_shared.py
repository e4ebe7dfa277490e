"""One budget per platform account shared by every instance: PostgreSQL or Redis keeps it.

The platform counts the requests that reach it in any one second, whichever instance sent them.
`bot/ratelimit.py` keeps that promise inside one process with a grid of send times a little
wider than 1/rate and a rule on answers. Across instances the grid itself is shared:

- The account's send times lie on one grid `gap` = 1/(rate·SHARED_SAFETY) apart, kept in the
  store (`SlotStore`: `storage/budget_pg.py`, `storage/budget_redis.py`) as "the next free time",
  on the store's clock. An instance leases a few consecutive times at once (one round trip for
  up to LEASE_SECONDS of sending); every lease starts where the last one ended, so no two
  requests of the account, on any instance, hold times less than `gap` apart.
- A time is used at that time or not at all: a request leaves at its time (never before: the
  time is placed on this host's clock as late as the quickest recent round trip to the store
  allows) and, when this instance comes to it more than LATE after its earliest possible
  moment, the time is dropped and the request takes a later one. So requests leave within LATE
  of their grid times. Leases are taken a little ahead (1.5 × the recent round trips), so a
  slow store delays sending but does not make every time come back too late.
- Any `rate`+1 requests hold grid times at least `rate`·gap = 1/SHARED_SAFETY s apart (1.111 s);
  they reach the platform more than a second apart as long as their journeys there differ by
  less than that margin minus LATE (71 ms). Within one instance the rule on answers of
  `RateLimiter` (which every request also passes, first) holds whatever the journey.
- Replies first: a reply takes the first leased time this instance holds, before any push
  waiting here, and leases without limit; pushes lease only times at most PUSH_AHEAD away, so
  pushes never queue deep in the shared grid and another instance's reply waits at most about
  one lease per instance behind them.
- Pushes keep each chat's pace across instances: a push first claims its chat in the store for
  its pace plus what the grid may still make it wait (`claim_chat`); replies ignore the pace.
  Within an instance the local limiter keeps the pace exactly (from the answers); across
  instances a push that then waits longer than that on its own instance may come closer than
  the pace to another instance's push to the same chat (two instances pushing one chat at once
  is rare: the outbox hands a user's due rows to one instance per claim).
- A 429 (`pause`) voids this instance's leased times at once and tells the store: every lease
  after it starts after the pause, so other instances stop within the times they had leased
  (at most LEASE_SECONDS of their sending).

Round trips: one per lease (a few a second per instance at full rate) and one per push message.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Protocol

from bot.budget import BoundBudget, rates_for
from bot.ratelimit import Priority, RateLimiter

log = logging.getLogger(__name__)

SHARED_SAFETY = 0.9  # the grid's margin: 1/0.9 - 1 = 111 ms in any `rate` requests
LATE = 0.04  # a leased time is used at most this long after its earliest possible moment
LEASE_SECONDS = 0.2  # the most sending one lease covers
PUSH_AHEAD = 0.1  # pushes lease only times at most this far ahead
NO_LIMIT = 1e9  # replies lease however far ahead the next free time is
STORE_RETRY = 1.0  # seconds before trying the store again after it failed
SYNC_KEEP = 10.0  # seconds a clock reading is trusted (clocks drift, NTP slews)
MAX_LEAD = 0.5  # the most a lease is taken ahead of time, however slow the store


class SlotStore(Protocol):
    """The shared state of the accounts' grids; times are seconds on the store's own clock."""

    async def lease(
        self, account: str, count: int, gap: float, lead: float, ahead: float
    ) -> tuple[int, float, float]:
        """Takes `count` consecutive grid times `gap` apart from the account's next free one, not
        before `lead` seconds from now, unless that is more than `ahead` seconds later still:
        (count, the first time, the store's now), or (0, the next free time, the store's now)."""
        ...

    async def pause(self, account: str, seconds: float) -> None:
        """Nobody gets a time of `account` before `seconds` from now."""
        ...

    async def claim_chat(self, account: str, chat: str, hold: float) -> float:
        """0 when the chat was free and is now the caller's for `hold` seconds; else the
        seconds until it is free."""
        ...

    async def close(self) -> None: ...


class _ClockSync:
    """Where the store's clock stands on this host's monotonic one, from the quickest round trip
    of the last SYNC_KEEP seconds: the store read its clock somewhere between sending and
    getting the answer, so a store time maps onto an interval that wide here."""

    def __init__(self) -> None:
        self._store_now, self._got = 0.0, 0.0
        self._sent = -math.inf  # no reading yet: the first one is taken
        self.rtts: deque[float] = deque(maxlen=8)

    def add(self, store_now: float, sent: float, got: float) -> None:
        self.rtts.append(got - sent)
        if got - sent <= self._got - self._sent or sent - self._sent > SYNC_KEEP:
            self._store_now, self._sent, self._got = store_now, sent, got

    def earliest(self, store_time: float) -> float:
        return store_time - self._store_now + self._sent

    def latest(self, store_time: float) -> float:
        return store_time - self._store_now + self._got

    @property
    def spread(self) -> float:
        """How wide the mapping is: the quickest recent round trip."""
        return self._got - self._sent

    def lead(self) -> float:
        """How far ahead to lease so that the times come back before they are due."""
        return min(1.5 * max(self.rtts, default=0.0), MAX_LEAD)


@dataclass(frozen=True, slots=True)
class _Time:
    """A leased grid time on this host's monotonic clock."""

    at: float  # the latest it can be here: nobody leaves before it
    last: float  # past this, it is dropped (LATE after the earliest it can be)


class SharedGrid:
    """One account's shared grid as this instance sees it: leased times handed out in order,
    replies before pushes."""

    def __init__(
        self,
        store: SlotStore,
        account: str,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account = account
        self.gap = 1.0 / (rate * SHARED_SAFETY)
        self._store = store
        self._clock = clock
        self._cap = max(1, int(LEASE_SECONDS / self.gap))
        self._sync = _ClockSync()
        self._warned = -math.inf
        self._times: deque[_Time] = deque()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._leasing: asyncio.Task[None] | None = None
        self._lease_after = 0.0  # pushes lease again no sooner (refused, or the store failed)
        self._paused_until = 0.0
        self._pauses = 0  # bumped by pause(): a lease in flight meanwhile is void
        self._background: set[asyncio.Task[None]] = set()
        self.used = 0  # grid times handed to a request
        self.dropped = 0  # grid times let go unused (come too late, or voided by a pause)

    async def take(self, priority: Priority) -> None:
        """Waits for a leased grid time of this account; the request leaves now."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (int(priority), next(self._order), waiter))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(self._run())
        self._wake.set()
        await waiter

    def pause(self, seconds: float) -> None:
        """Voids the leased times, waits `seconds` here and tells the store (in the background)."""
        until = self._clock() + seconds
        if until > self._paused_until:
            self._paused_until = until
            self._pauses += 1
            self.dropped += len(self._times)
            self._times.clear()
            self._wake.set()
        task = asyncio.get_running_loop().create_task(self._tell_pause(seconds))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        tasks = [t for t in (self._runner, self._leasing, *self._background) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self) -> None:
        """Hands each leased time to the first waiter at that time. The next lease is asked for
        in the background while the last leased time is still ahead, so the shared grid does
        not fall behind while the store answers."""
        while self._waiters():
            now = self._clock()
            while self._times and self._times[0].last < now:  # too late to use: let it go
                self._times.popleft()
                self.dropped += 1
            if now < self._paused_until:
                await self._sleep(self._paused_until - now)
                continue
            if self._leasing is None and self._lease_due(now):
                self._leasing = asyncio.get_running_loop().create_task(self._lease())
                self._leasing.add_done_callback(self._leased)
            if not self._times:  # a lease coming back (or a reply arriving) wakes us
                wait = STORE_RETRY if self._leasing is not None else self._lease_after - now
                await self._sleep(max(wait, 0.001))
            elif self._times[0].at > now:
                await self._sleep(self._times[0].at - now)
            else:
                self._times.popleft()
                _, _, waiter = heapq.heappop(self._waiting)
                waiter.set_result(None)
                self.used += 1
        log.debug(
            "rate budget of %s: idle; %d grid times used, %d dropped so far",
            self.account, self.used, self.dropped,
        )  # fmt: skip

    def _lease_due(self, now: float) -> bool:
        """More waiters than leased times, the last of them close (or none left), and no push
        lease refused just now (a reply does not wait for that)."""
        if self._waiters() <= len(self._times):
            return False
        if self._times and self._times[-1].at - now > self.gap + self._sync.lead():
            return False
        return now >= self._lease_after or any(
            p == Priority.REPLY for p, _, w in self._waiting if not w.done()
        )

    def _leased(self, _task: asyncio.Task[None]) -> None:
        self._leasing = None
        self._wake.set()

    def _waiters(self) -> int:
        """Waiters still waiting (a cancelled request leaves its place)."""
        while self._waiting and self._waiting[0][2].done():
            heapq.heappop(self._waiting)
        return len(self._waiting)

    async def _lease(self) -> None:
        """Leases times for the waiters not yet covered (in the background of `_run`)."""
        replies = any(p == Priority.REPLY for p, _, w in self._waiting if not w.done())
        count = min(self._waiters() - len(self._times), self._cap)
        ahead = NO_LIMIT if replies else PUSH_AHEAD
        lead = self._sync.lead()
        pauses, sent = self._pauses, self._clock()
        try:
            granted, start, store_now = await self._store.lease(
                self.account, count, self.gap, lead, ahead
            )
        except Exception:  # noqa: BLE001 - without the store nothing leaves; try again soon
            log.warning("rate budget of %s: store unavailable", self.account, exc_info=True)
            self._lease_after = self._clock() + STORE_RETRY
            return
        self._sync.add(store_now, sent, self._clock())
        if pauses != self._pauses:  # a 429 came meanwhile: these times are void
            return
        if not granted:  # pushes: the next free time is too far ahead; ask again then
            self._lease_after = self._clock() + max(start - store_now - lead - ahead, self.gap)
            return
        # A time is used from the latest moment it can be here until LATE after the earliest;
        # a store so slow that not even half of LATE is left gets half of it, and a warning.
        slow = self._sync.spread > LATE / 2
        if slow and self._clock() - self._warned > SYNC_KEEP:
            self._warned = self._clock()
            log.warning(
                "rate budget of %s: the store answers in %.0f ms at best; the margin for the "
                "platform's second is smaller by as much", self.account, self._sync.spread * 1000
            )  # fmt: skip
        for i in range(granted):
            at = start + i * self.gap
            last = self._sync.latest(at) + LATE / 2 if slow else self._sync.earliest(at) + LATE
            self._times.append(_Time(at=self._sync.latest(at), last=last))

    async def _sleep(self, seconds: float) -> None:
        """Sleeps, woken early by a new waiter or a pause."""
        self._wake.clear()
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(seconds, 0.0))

    async def _tell_pause(self, seconds: float) -> None:
        try:
            await self._store.pause(self.account, seconds)
        except Exception:  # noqa: BLE001 - this instance pauses anyway
            log.warning("rate budget of %s: pause not shared", self.account, exc_info=True)


class SharedAccount:
    """One account's budget on this instance: the local limiter (the rule on answers, replies
    first, each chat's pace here), then the chat's claim across instances (pushes), then the
    shared grid."""

    def __init__(
        self,
        store: SlotStore,
        account: str,
        rate: float,
        per_chat: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account = account
        self.local = RateLimiter(rate, per_chat=per_chat, clock=clock)
        self.grid = SharedGrid(store, account, rate, clock)
        self._store = store
        # A push's claim on its chat covers its pace and what the grid may still make it wait.
        self._chat_hold = self.local.per_chat + PUSH_AHEAD + LEASE_SECONDS + LATE

    @asynccontextmanager
    async def slot(self, chat: str, priority: Priority) -> AsyncIterator[None]:
        # The chat is claimed before the local limiter: a push waiting for a chat that another
        # instance just sent to holds nothing here meanwhile (the rule on answers would count
        # it as a request out and hold up everything behind it).
        if priority is Priority.PUSH:
            await self._claim_chat(chat)
        async with self.local.slot(chat, priority):
            await self.grid.take(priority)
            yield

    async def chat_ready(self, chat: str) -> None:
        await self.local.chat_ready(chat)

    def pause(self, seconds: float) -> None:
        self.local.pause(seconds)
        self.grid.pause(seconds)

    async def close(self) -> None:
        await self.grid.close()

    async def _claim_chat(self, chat: str) -> None:
        """Waits until this push's chat is free across instances and claims it."""
        while True:
            try:
                wait = await self._store.claim_chat(self.account, chat, self._chat_hold)
            except Exception:  # noqa: BLE001 - the local pace still holds on this instance
                log.warning("rate budget of %s: chat claim failed", self.account, exc_info=True)
                return
            if wait <= 0:
                return
            await asyncio.sleep(wait)


class SharedBudget:
    """The `bot.budget.Budget` of several instances: one `SharedAccount` per account, made on
    first use with its channel's rates, all over one store."""

    def __init__(self, store: SlotStore, rates: Mapping[str, tuple[float, float]]) -> None:
        self._store = store
        self._rates = dict(rates)
        self._accounts: dict[str, SharedAccount] = {}

    def of(self, account: str) -> SharedAccount:
        shared = self._accounts.get(account)
        if shared is None:
            rate, per_chat = rates_for(self._rates, account)
            shared = self._accounts[account] = SharedAccount(self._store, account, rate, per_chat)
        return shared

    def account(self, account: str) -> BoundBudget:
        return BoundBudget(self, account)

    def slot(
        self, account: str, chat: str, priority: Priority
    ) -> AbstractAsyncContextManager[None]:
        return self.of(account).slot(chat, priority)

    async def chat_ready(self, account: str, chat: str) -> None:
        await self.of(account).chat_ready(chat)

    def pause(self, account: str, seconds: float) -> None:
        self.of(account).pause(seconds)

    async def close(self) -> None:
        for shared in self._accounts.values():
            await shared.close()
        await self._store.close()
