"""The dispatcher: claims due outbox rows, renders them, sends them paced, records the result."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.engine import mask_user
from bot.messages import Reply
from bot.ratelimit import RateLimiter
from bot.reminder_policy import in_quiet
from storage import outbox_repo
from storage import tables as t
from storage.db import Database
from storage.outbox_repo import OutboxRow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class Blocked(Exception):
    """The user blocked the bot or cannot be reached on this channel."""


class RetryLater(Exception):
    """The platform asked to wait this many seconds."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class TransientError(Exception):
    """A network or server problem worth another try."""


class Sender(Protocol):
    async def push(self, user_key: str, replies: list[Reply], kind: str) -> str:
        """Sends a push; returns "sent" or a reason it was skipped ("skipped_…")."""
        ...


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
        senders: dict[str, Sender],
        limiters: dict[str, RateLimiter],
        render: Renderer,
        clock: Callable[[], datetime],
        quiet: tuple[time, time] | None = None,
        tz: ZoneInfo | None = None,
        batch: int = 200,
        concurrency: int = 32,
        on_unreachable: Callable[[str], None] | None = None,
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
        self.on_unreachable = on_unreachable
        self.stopping = False  # set at shutdown: finish the batch in hand, claim no more

    async def recover(self) -> int:
        """Run at start: rows a crash left "sending" are queued again."""
        async with self.db.write() as conn:
            n = await outbox_repo.recover_in_flight(conn)
        if n:
            log.warning("re-queued %d pushes left in flight by an earlier stop", n)
        return n

    def quiet_now(self) -> bool:
        if self.quiet is None or self.tz is None:
            return False
        return in_quiet(self.clock().astimezone(self.tz).time(), self.quiet)

    async def run_once(self) -> DispatchReport:
        """Claims one batch of due rows and sends them; returns what happened."""
        report = DispatchReport()
        if self.stopping or self.quiet_now():
            return report
        now = self.clock()
        async with self.db.write() as conn:
            rows = await outbox_repo.claim_due(conn, now, self.batch)
        await asyncio.gather(*(self._one(row, report) for row in rows))
        return report

    async def drain(self, until_empty_for: float = 0.0) -> DispatchReport:
        """Runs batches until nothing is due (for the CLI and tests)."""
        total = DispatchReport()
        while True:
            report = await self.run_once()
            for name in ("sent", "skipped", "failed", "retried"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            for k, v in report.reasons.items():
                total.reasons[k] = total.reasons.get(k, 0) + v
            if not (report.sent or report.skipped or report.failed or report.retried):
                return total
            if until_empty_for:
                await asyncio.sleep(until_empty_for)

    async def _one(self, row: OutboxRow, report: DispatchReport) -> None:
        # The slot is held until the outcome is committed: at most `concurrency` messages can
        # be sent but not yet marked, which bounds what a crash can make us send twice.
        async with self._slots:
            status, error, retry_at = await self._deliver(row)
            async with self.db.write() as conn:
                if retry_at is not None:
                    await outbox_repo.retry_later(conn, row.id, retry_at, error)
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

    async def _deliver(self, row: OutboxRow) -> tuple[str, str, datetime | None]:
        channel = row.user_key.partition(":")[0]
        sender = self.senders.get(channel)
        if sender is None:
            return "skipped", "no_channel", None
        rendered = await self.render(row, self.clock())
        if isinstance(rendered, str):
            return "skipped", rendered, None
        limiter = self.limiters.get(channel)
        if limiter is not None:
            await limiter.acquire(row.user_key)
        try:
            outcome = await sender.push(row.user_key, rendered, row.kind)
        except Blocked:
            await self._mark_unreachable(row.user_key)
            return "skipped", "blocked", None
        except RetryLater as exc:
            if limiter is not None:
                limiter.pause(exc.seconds)
            return "queued", str(exc), self.clock() + timedelta(seconds=exc.seconds)
        except (TransientError, OSError) as exc:
            if row.attempts >= MAX_ATTEMPTS:
                log.error("push %d to %s failed for good: %s", row.id, mask_user(row.user_key), exc)
                return "failed", str(exc), None
            backoff = timedelta(seconds=min(600, 5 * 2**row.attempts))
            return "queued", str(exc), self.clock() + backoff
        if outcome in ("sent", "template"):  # a template is how WhatsApp sends outside 24 h
            return "sent", "", None
        return "skipped", outcome, None

    async def _mark_unreachable(self, user: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                update(t.users).where(t.users.c.key == user).values(unreachable=True)
            )
        if self.on_unreachable is not None:
            self.on_unreachable(user)
