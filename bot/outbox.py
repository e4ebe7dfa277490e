"""The dispatcher: claims due outbox rows, renders them, sends them paced, records the result."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from bot.budget import AccountBudget
from bot.instance import instance_name
from bot.reminder_policy import in_quiet
from bot.retry import REQUEUE
from core.checks import mask_user
from core.delivery import Blocked, Parts, RetryLater, TransientError
from core.messages import Reply
from core.ports import UserDirectory
from storage import outbox_repo
from storage.db import Database
from storage.outbox_repo import OutboxRow
from storage.users import UserRows

log = logging.getLogger(__name__)

# The payload key that keeps how many messages of a push were accepted before it was re-queued.
PARTS_SENT = "parts_sent"


class Sender(Protocol):
    """What the outbox needs of a channel (`core.channel.Channel.push`)."""

    async def push(self, user_key: str, replies: list[Reply], kind: str) -> str:
        """Sends a push; returns "sent" or a reason it was skipped ("skipped_…")."""
        ...


@runtime_checkable
class PacedSender(Sender, Protocol):
    """A sender whose push may make several platform calls: it takes a slot of the account's
    budget for each call itself, right before the request leaves, skips the first `parts.done`
    messages (accepted by an earlier attempt) and counts each one accepted in `parts`."""

    async def push_paced(
        self, user_key: str, replies: list[Reply], kind: str, budget: AccountBudget, parts: Parts
    ) -> str: ...


# Renders a claimed row for its user: replies to send, or a reason to skip it.
Renderer = Callable[[OutboxRow, datetime], Awaitable[list[Reply] | str]]


@dataclass
class DispatchReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class Dispatcher:
    """Sends what is due, at the pace each channel allows; safe to kill at any moment."""

    def __init__(
        self,
        db: Database,
        senders: Mapping[str, Sender],
        # Each channel's account budget, the one its replies take their slots from too.
        limiters: Mapping[str, AccountBudget],
        render: Renderer,
        clock: Callable[[], datetime],
        quiet: tuple[time, time] | None = None,
        tz: ZoneInfo | None = None,
        batch: int = 200,
        # Rows being delivered at once. A push of several messages to one chat (a welcome: its
        # text, then the venue a second later, at the chat's pace) holds its row that long, so
        # such pushes go out at most about `concurrency` a second.
        concurrency: int = 64,
        users: UserDirectory | None = None,
        # This instance's name on the rows it claims, and how long its claim lasts unrenewed:
        # a row whose sender died is sent again by anyone once the lease runs out; a live
        # instance's never.
        owner: str = "",
        lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self.db = db
        self.senders = senders
        self.limiters = limiters
        self.render = render
        self.clock = clock
        self.quiet = quiet
        self.tz = tz
        self.batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        # Blocked users are marked where every channel marks them (and the engine told).
        self.users = users or UserRows(db)
        self.stopping = False  # set at shutdown: finish the batch in hand, claim no more
        self.owner = owner or instance_name()
        self.lease = lease

    async def recover(self) -> int:
        """Run at start: rows a crashed instance left "sending" (its lease ran out) are queued
        again; another live instance's are not."""
        async with self.db.write() as conn:
            n = await outbox_repo.recover_in_flight(conn, self.clock())
        if n:
            log.warning("re-queued %d pushes left in flight by an earlier stop", n)
        return n

    @contextlib.asynccontextmanager
    async def _leased(self) -> AsyncIterator[None]:
        """Renews the leases of the rows in hand every third of their length while sending."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.lease.total_seconds() / 3)
                try:
                    async with self.db.write() as conn:
                        until = self.clock() + self.lease
                        await outbox_repo.renew_leases(conn, self.owner, until)
                except Exception:  # noqa: BLE001 - tried again a third of a lease later
                    log.warning("could not renew the outbox leases", exc_info=True)

        task = asyncio.create_task(renew())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def quiet_now(self) -> bool:
        if self.quiet is None or self.tz is None:
            return False
        return in_quiet(self.clock().astimezone(self.tz).time(), self.quiet)

    async def run_once(self) -> DispatchReport:
        """Claims one batch of due rows and sends them; returns what happened."""
        report = DispatchReport()
        flight = _Flight(partial(self._one, report=report))
        async with self._leased():
            if await self._claim_into(flight, self.batch):
                await flight.join()
        return report

    async def drain(self, until_empty_for: float = 0.0) -> DispatchReport:
        """Sends until nothing is due. The next batch is claimed while the last quarter of the
        one in hand is still going out, so a burst leaves without a gap between batches."""
        async with self._leased():
            return await self._drain(until_empty_for)

    async def _drain(self, until_empty_for: float) -> DispatchReport:
        report = DispatchReport()
        flight = _Flight(partial(self._one, report=report))
        refill = max(1, self.batch // 4)
        while True:
            wanted = self.batch - flight.pending
            claimed = await self._claim_into(flight, wanted)
            if not claimed and not flight.pending:
                return report
            if claimed < wanted:  # everything due is in hand: finish it, then look again
                await flight.join()
                if until_empty_for:
                    await asyncio.sleep(until_empty_for)
            else:
                await flight.until_at_most(refill)

    async def _claim_into(self, flight: _Flight, limit: int) -> int:
        """Claims up to `limit` due rows and starts sending them; how many it claimed."""
        if limit <= 0 or self.stopping or self.quiet_now():
            return 0
        async with self.db.write() as conn:
            rows = await outbox_repo.claim_due(conn, self.clock(), limit, self.owner, self.lease)
        flight.add(rows)
        return len(rows)

    async def _one(self, row: OutboxRow, report: DispatchReport) -> None:
        limiter = self.limiters.get(row.user_key.partition(":")[0])
        if limiter is not None:  # a busy chat is waited for without holding a sending slot
            await limiter.chat_ready(row.user_key)
        # The slot is held until the outcome is committed: at most `concurrency` messages can
        # be sent but not yet marked, which bounds what a crash can make us send twice.
        async with self._slots:
            parts = Parts(_parts_sent(row))
            status, error, retry_at = await self._deliver(row, parts)
            async with self.db.write() as conn:
                if retry_at is not None:
                    payload = None
                    if parts.done != _parts_sent(row):  # the next attempt starts after them
                        payload = {**row.payload, PARTS_SENT: parts.done}
                    await outbox_repo.retry_later(conn, row.id, retry_at, error, payload)
                else:
                    await outbox_repo.mark(conn, row.id, status, self.clock(), error)
        if retry_at is not None:
            report.retried += 1
        elif status == "sent":
            report.sent += 1
        elif status == "failed":
            report.failed += 1
        else:
            report.skipped += 1
            report.reasons[error or status] = report.reasons.get(error or status, 0) + 1

    async def _deliver(self, row: OutboxRow, parts: Parts) -> tuple[str, str, datetime | None]:
        channel = row.user_key.partition(":")[0]
        sender = self.senders.get(channel)
        if sender is None:
            return "skipped", "no_channel", None
        rendered = await self.render(row, self.clock())
        if isinstance(rendered, str):
            return "skipped", rendered, None
        limiter = self.limiters.get(channel)
        try:
            if limiter is None:
                outcome = await sender.push(row.user_key, rendered, row.kind)
            elif isinstance(sender, PacedSender):
                outcome = await sender.push_paced(row.user_key, rendered, row.kind, limiter, parts)
            else:
                async with limiter.slot(row.user_key):
                    outcome = await sender.push(row.user_key, rendered, row.kind)
        except Blocked:
            await self.users.mark_unreachable(row.user_key)
            return "skipped", "blocked", None
        except RetryLater as exc:
            # Every sender of the channel waits, including those already holding a slot; this
            # row goes back to the queue, due when the pause is over.
            if limiter is not None:
                limiter.pause(exc.seconds)
            return "queued", str(exc), self.clock() + timedelta(seconds=exc.seconds)
        except (TransientError, OSError) as exc:
            wait = REQUEUE.backoff_after(row.attempts - 1)  # a claim counts a delivery
            if wait is None:
                log.error("push %d to %s failed for good: %s", row.id, mask_user(row.user_key), exc)
                return "failed", str(exc), None
            return "queued", str(exc), self.clock() + timedelta(seconds=wait)
        if outcome in ("sent", "template"):  # a template is how WhatsApp sends outside 24 h
            return "sent", "", None
        return "skipped", outcome, None


def _parts_sent(row: OutboxRow) -> int:
    value = row.payload.get(PARTS_SENT, 0)
    return value if isinstance(value, int) and value > 0 else 0


class _Flight:
    """Claimed rows being sent, one task each; a user's rows go one after another, so rows
    waiting for a busy chat take no sending slot from other users."""

    def __init__(self, send: Callable[[OutboxRow], Coroutine[object, object, None]]) -> None:
        self._send = send
        self._later: dict[str, deque[OutboxRow]] = {}  # user -> rows behind the one in flight
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._errors: list[BaseException] = []
        self.pending = 0  # rows added and not finished

    def add(self, rows: list[OutboxRow]) -> None:
        for row in rows:
            self.pending += 1
            later = self._later.get(row.user_key)
            if later is None:
                self._later[row.user_key] = deque()
                self._start(row)
            else:
                later.append(row)

    async def until_at_most(self, pending: int) -> None:
        """Waits until no more than `pending` rows are left; raises a row's failure."""
        try:
            while self.pending > pending and not self._errors:
                self._changed.clear()
                await self._changed.wait()
        except asyncio.CancelledError:
            for task in self._tasks:
                task.cancel()
            raise
        if self._errors:
            raise self._errors.pop(0)

    async def join(self) -> None:
        await self.until_at_most(0)

    def _start(self, row: OutboxRow) -> None:
        task = asyncio.create_task(self._send(row))
        self._tasks.add(task)
        task.add_done_callback(partial(self._done, row.user_key))

    def _done(self, user: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.pending -= 1
        if not task.cancelled() and (error := task.exception()) is not None:
            self._errors.append(error)
        later = self._later[user]
        if later:
            self._start(later.popleft())
        else:
            del self._later[user]
        self._changed.set()
