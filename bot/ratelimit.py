"""Pacing for one platform account: an overall rate shared by replies and pushes, replies first,
and for pushes at most one message per chat per interval.

A platform that allows `rate` requests "per second" counts them in a sliding window by the time
they reach it, so what must hold is: no second there contains more than `rate` requests. Our
own timers cannot promise that (a busy event loop, the network or the platform itself can hold
requests up and let them through together), but cause and effect can: a request reaches the
platform after we let it go and before its answer comes back. So the limiter

- reserves for each request a send time on a grid one interval (1/(rate*safety)) apart: the
  first free grid time at or after the chat's readiness. A message that must wait for its chat
  takes a later free time without blocking the others (no head-of-line gap) and never a time
  another message holds; the grid keeps such reservations from wasting the room around them;
- lets a request go only more than a second after the answer to the one `rate` requests before
  it came back (and no sooner than `rate` intervals after that one left), and a chat's message
  only `per_chat` after the answer to the chat's previous one: then any `rate`+1 requests reach
  the platform more than a second apart, whatever held them up on the way;
- on a 429 (`pause`), voids every reservation: nobody, including those already waiting, sends
  before the pause is over.

Replies go first (`Priority.REPLY`): a reply's message takes the first grid time from now that no
other reply holds; the pushes holding it and those right behind move one grid time later each (in
order: a push waits, it never loses its place to another push). The reply itself does not wait
for that time, only for the rule on answers: a burst of replies goes out together up to `rate`
(the window, not the grid, is the platform's limit). A reply ignores its chat's pace,
so a reply's few messages go back to back, and a push whose time has come waits while a reply is
about to go. What a reply sends still counts for its chat: the next push there waits for it.

Use `async with limiter.slot(chat, priority): <make the request>`: leaving the block is the answer.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from enum import IntEnum

# Sends are spaced a little wider than 1/rate: in a steady stream the rule on answers then
# costs nothing, and only a request held up on its way by more than the margin (50 ms at the
# usual rates) makes a later one wait.
SAFETY = 0.95
FORGET_EVERY = 30.0  # seconds between two sweeps of the chats whose pace is over
POLL = 0.005  # while the request to wait for is still out, look again this often
WINDOW = 1.0 + 0.001  # the platform's second, and a millisecond for clocks' rounding


class Priority(IntEnum):
    """Who takes the next free send time: a reply (someone is waiting for it), then a push."""

    REPLY = 0
    PUSH = 1


class _Ticket:
    """A reserved send time; a reply taking it moves a push's ticket later."""

    __slots__ = ("at", "reply")

    def __init__(self, at: float, reply: bool) -> None:
        self.at = at
        self.reply = reply


class _Request:
    """One request let go: when, and when its answer came back (None while it is out)."""

    __slots__ = ("answered", "released")

    def __init__(self, released: float) -> None:
        self.released = released
        self.answered: float | None = None


class RateLimiter:
    """Hands out send slots: `rate` per second overall, replies first; pushes also `per_chat`
    seconds apart per chat."""

    def __init__(
        self,
        rate: float,
        per_chat: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        safety: float = SAFETY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self._interval = 1.0 / (rate * safety)
        self._chat_gap = per_chat  # what the platform allows one chat, between arrivals
        self._per_chat = per_chat / safety  # what we plan between two messages to one chat
        self._clock = clock
        self._sleep = sleep
        # Whole requests the platform allows in one second: the request n before must have
        # been answered more than a second ago (and have left n intervals ago, over 1 s).
        self._n = max(1, math.floor(rate))
        self._span = max(self._n * self._interval, WINDOW)
        self._recent: deque[_Request] = deque(maxlen=self._n)
        # Reserved send times are _origin + k * interval; _taken holds the k in use.
        self._origin = 0.0
        self._taken: dict[int, _Ticket] = {}
        self._first = 0  # no k below this is taken
        self._chat_next: dict[str, float] = {}  # chat -> earliest time for its next reservation
        self._chat_last: dict[str, _Request] = {}  # chat -> its last request let go
        self._paused_until = 0.0
        self._epoch = 0  # bumped by pause(): reservations made before it are void
        self._replies_due = 0  # replies whose send time has come, not yet let go
        self._next_sweep = 0.0

    @property
    def interval(self) -> float:
        """Seconds between two reserved send times."""
        return self._interval

    @property
    def per_chat(self) -> float:
        """Seconds planned between two messages to one chat."""
        return self._per_chat

    @asynccontextmanager
    async def slot(self, chat: str, priority: Priority = Priority.PUSH) -> AsyncIterator[None]:
        """Waits until this chat may be sent one request; the block makes it, and leaving the
        block (returning or raising) means its answer came back. A reply goes before every push
        still waiting and does not wait for its chat."""
        request = await self._acquire(chat, priority is Priority.REPLY)
        try:
            yield
        finally:
            request.answered = self._clock()

    async def chat_ready(self, chat: str) -> None:
        """Waits, taking nothing, until this chat could be given a send time right away; lets a
        caller wait for a busy chat without holding anything else meanwhile."""
        while True:
            last = self._chat_last.get(chat)
            ready = max(
                self._chat_next.get(chat, 0.0),
                last.released + self._per_chat if last is not None else 0.0,
                self._paused_until,
            )
            if ready <= self._clock():
                return
            await self._nap(ready)

    def pause(self, seconds: float) -> None:
        """The platform asked us to wait (HTTP 429 retry_after): nobody sends before then."""
        now = self._clock()
        until = now + seconds
        if until <= self._paused_until:
            return
        self._paused_until = until
        self._epoch += 1
        # Reservations still ahead are void (their holders reserve again when they wake up);
        # a chat's readiness goes back to what it really sent.
        self._taken.clear()
        self._chat_next = {c: r.released + self._per_chat for c, r in self._chat_last.items()}

    async def _acquire(self, chat: str, reply: bool) -> _Request:
        while True:
            epoch = self._epoch
            ticket = self._reserve(chat, self._clock(), reply)
            # A push waits for its grid time (a reply may move it meanwhile). A reply's ticket
            # only moves the pushes out of its way: the reply itself waits only for a pause and
            # the rule on answers, so a burst of replies is not spread over the grid.
            while (until := self._paused_until if reply else ticket.at) > self._clock():
                await self._nap(until)
            request = await self._release(chat, epoch, reply)
            if request is not None:
                return request

    def _reserve(self, chat: str, now: float, reply: bool) -> _Ticket:
        """A push: the earliest free grid time at or after its chat's readiness. A reply: the
        earliest from now that no reply holds (the pushes there move back). Taken."""
        ready = max(now, self._paused_until)
        if not reply:
            ready = max(ready, self._chat_next.get(chat, 0.0))
        gap, origin = self._interval, self._origin
        # Times more than an interval back hold nothing that matters any more.
        current = math.ceil((now - origin) / gap - 1e-9) - 1
        if current > self._first:
            self._taken = {k: v for k, v in self._taken.items() if k >= current}
            self._first = current
        if not self._taken:  # idle: the grid starts afresh here
            self._origin, origin, self._first = ready, ready, 0
        k = max(self._first, math.ceil((ready - origin) / gap - 1e-9))
        if reply:
            while (held := self._taken.get(k)) is not None and held.reply:
                k += 1
            if held is not None:
                self._move_back(k)
        else:
            while k in self._taken:
                k += 1
        ticket = _Ticket(origin + k * gap, reply)
        self._taken[k] = ticket
        if not reply:
            self._chat_next[chat] = ticket.at + self._per_chat
        return ticket

    def _move_back(self, k: int) -> None:
        """Frees grid time `k` for a reply: the push holding it, and each push right behind it,
        moves to the next time no reply holds; the first free time ends the move."""
        moving = self._taken.pop(k)
        j = k + 1
        while True:
            held = self._taken.get(j)
            if held is None or not held.reply:
                moving.at = self._origin + j * self._interval
                self._taken[j] = moving
                if held is None:
                    return
                moving = held
            j += 1

    async def _release(self, chat: str, epoch: int, reply: bool) -> _Request | None:
        """At the reserved time: waits until the requests already let go allow this one (a
        push: and its chat's pace, and no reply about to go); None when a pause voided the
        reservation meanwhile."""
        if reply:
            self._replies_due += 1
        try:
            while True:
                if epoch != self._epoch:
                    return None
                now = self._clock()
                ready = now
                if not reply:
                    last = self._chat_last.get(chat)
                    if last is not None:
                        ready = max(ready, self._after(last, self._per_chat, self._chat_gap))
                    if self._replies_due:
                        ready = max(ready, now + POLL)
                if len(self._recent) == self._n:
                    ready = max(ready, self._after(self._recent[0], self._span, WINDOW))
                if ready <= now:
                    break
                await self._nap(ready)
        finally:
            if reply:
                self._replies_due -= 1
        request = _Request(now)
        self._recent.append(request)
        self._chat_last[chat] = request
        self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), now + self._per_chat)
        if now >= self._next_sweep:
            self._forget_chats(now)
        return request

    def _forget_chats(self, now: float) -> None:
        """Forgets the chats whose pace is over (every FORGET_EVERY seconds): what is kept per
        chat follows the chats of the last seconds, not every chat ever sent to."""
        self._next_sweep = now + FORGET_EVERY
        self._chat_next = {c: v for c, v in self._chat_next.items() if v > now}
        edge = now - self._per_chat
        self._chat_last = {
            c: r
            for c, r in self._chat_last.items()
            if r.released > edge or r.answered is None or r.answered + self._chat_gap > now
        }

    def _after(self, earlier: _Request, since_release: float, since_answer: float) -> float:
        """When a request may go after `earlier`: that long after it left, and after its
        answer came back (while it is out, a little later than now: look again then)."""
        if earlier.answered is None:
            return max(earlier.released + since_release, self._clock() + POLL)
        return max(earlier.released + since_release, earlier.answered + since_answer)

    async def _nap(self, until: float) -> None:
        delay = until - self._clock()
        if delay > 0:
            await self._sleep(delay)
