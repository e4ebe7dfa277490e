"""The clock: APScheduler runs a few fixed jobs; the schedule itself lives in the database.

Dispatching runs on every instance (claims are exclusive: `SKIP LOCKED` on PostgreSQL). Planning
and cleaning up run only on the scheduler's leader (`leader`: this instance holds the
"scheduler" lock, `bot/leader.py`), so several instances never plan the same rows at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.outbox import Dispatcher
from bot.reminder_policy import due_times
from bot.settings import Settings
from storage import outbox_repo
from storage.db import Database

log = logging.getLogger(__name__)

HORIZON = timedelta(days=8)
WELCOME_AHEAD = timedelta(days=3)


class ReminderScheduler:
    """Plans reminders from sessions, dispatches the outbox, cleans up; restart-safe."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        dispatcher: Dispatcher,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        dispatch_every: float = 2.0,
        plan_every: float = 60.0,
        extra_jobs: dict[str, tuple[float, Callable[[], Awaitable[None]]]] | None = None,
        leader: Callable[[], bool] = lambda: True,
    ) -> None:
        self.db = db
        self.settings = settings
        self.dispatcher = dispatcher
        self.clock = clock
        self.dispatch_every = dispatch_every
        self.plan_every = plan_every
        self.extra_jobs = extra_jobs or {}
        self.leader = leader
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def plan(self) -> int:
        """Writes the reminder, welcome and alert rows for the rolling horizon."""
        now = self.clock()
        offsets, quiet, tz = (
            self.settings.reminder_offsets,
            self.settings.quiet_window,
            self.settings.tz,
        )
        async with self.db.write() as conn:
            added = await outbox_repo.plan_reminders(
                conn, now, HORIZON, lambda starts: due_times(starts, offsets, quiet, tz)
            )
            added += await outbox_repo.plan_welcomes(conn, now, WELCOME_AHEAD)
            added += await outbox_repo.plan_interest_alerts(conn, now)
        if added:
            log.info("planned %d pushes", added)
        return added

    async def plan_if_leader(self) -> int:
        """Plans when this instance is the scheduler's leader; 0 elsewhere."""
        return await self.plan() if self.leader() else 0

    async def dispatch(self) -> None:
        """Sends batches until nothing is due, so a burst keeps the channel busy throughout."""
        report = await self.dispatcher.drain()
        if report.sent or report.failed or report.skipped:
            log.info(
                "dispatch: sent=%d skipped=%d failed=%d retried=%d",
                report.sent, report.skipped, report.failed, report.retried,
            )  # fmt: skip

    async def clean_up(self) -> None:
        """Drops old outbox rows; empties the SQLite -wal, so what was overwritten or deleted
        (a form given up half-way, a handled message) stays there at most this hour. The
        leader's job."""
        if not self.leader():
            return
        async with self.db.write() as conn:
            await outbox_repo.clean_up(conn, self.clock())
        await self.db.checkpoint()

    async def start(self) -> None:
        """Recovers rows a crash left in flight, plans once (the leader), then starts the fixed
        jobs."""
        await self.dispatcher.recover()
        await self.plan_if_leader()
        scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=self.settings.tz,
        )
        jobs: dict[str, tuple[float, Callable[[], Awaitable[object]]]] = {
            "dispatch": (self.dispatch_every, self.dispatch),
            "plan": (self.plan_every, self.plan_if_leader),
            "clean_up": (3600.0, self.clean_up),
            **self.extra_jobs,
        }
        for job_id, (seconds, fn) in jobs.items():
            scheduler.add_job(
                self._guarded(job_id, fn),
                "interval",
                seconds=seconds,
                id=job_id,
                replace_existing=True,
            )
        # A long drain overlapping the next tick is normal here, not worth a warning each time.
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self, grace: float = 20.0) -> None:
        """No new jobs; the dispatch in progress finishes its batch; then the clock stops."""
        if self._scheduler is None:
            return
        self._scheduler.pause()
        self.dispatcher.stopping = True
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        self._scheduler.shutdown(wait=False)
        self._scheduler = None

    def _guarded(
        self, name: str, fn: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        """A job that logs its failure and runs again next time, instead of dying."""

        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await fn()
            except Exception:
                log.exception("scheduled job %s failed; it runs again at its next time", name)
            finally:
                if task is not None:
                    self._running.discard(task)

        run.__name__ = f"job_{name}"
        return run
