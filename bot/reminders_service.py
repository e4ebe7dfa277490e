"""The reminder scheduler as a service of `meslek-bot run`, pushing through the running channels."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.app import Assistant
from bot.budget import channel_rates
from bot.leader import Holder
from bot.metrics import Metrics
from bot.outbox import Dispatcher
from bot.pushes import PushRenderer
from bot.scheduler import ReminderScheduler
from bot.services import Service
from bot.settings import Settings
from locales import load_translator
from storage.session_changes import catalog_version

log = logging.getLogger(__name__)

# Every instance on the database sees a catalog change (an import, a session moved, an upload in
# the panel) within this long: one tiny read of the `meta` row.
CATALOG_CHECK_SECONDS = 5.0


def reminder_service(settings: Settings, assistant: Assistant, metrics: Metrics) -> Service:
    """Plans and dispatches reminders and notices through the channels that are running; plans
    only on the instance holding the "scheduler" lock (the leader), dispatches on every one."""
    del metrics
    # The accounts' budgets the channels' replies use too: pushes wait, replies go first.
    limiters = {name: assistant.budget_of(name) for name in channel_rates(settings)}
    dispatcher = Dispatcher(
        assistant.db,
        assistant.channels,  # registered by the channel services, built before this one
        limiters,
        PushRenderer(assistant.db, load_translator(), settings.tz, settings.default_locale),
        clock=assistant.engine.clock,
        quiet=settings.quiet_window,
        tz=settings.tz,
        users=assistant.users,
        owner=assistant.instance,
        lease=timedelta(seconds=settings.lease_seconds),
    )
    seen = {"version": ""}
    scheduler: ReminderScheduler

    async def reload_if_changed() -> None:
        """Every instance reloads a changed catalog; the leader also plans again."""
        async with assistant.db.read() as conn:
            version = await catalog_version(conn)
        if seen["version"] and version != seen["version"]:
            await assistant.reload_catalog()
            await scheduler.plan_if_leader()
            log.info("catalog changed (version %s): reloaded", version)
        seen["version"] = version

    # The leader plans at once when it takes over (its predecessor may have died mid-plan).
    leadership = Holder(assistant.lock("scheduler"), on_gain=lambda: _plan(scheduler))
    scheduler = ReminderScheduler(
        assistant.db,
        settings,
        dispatcher,
        clock=assistant.engine.clock,
        extra_jobs={"catalog": (CATALOG_CHECK_SECONDS, reload_if_changed)},
        leader=lambda: leadership.held,
    )

    async def start() -> None:
        await reload_if_changed()
        await scheduler.start()
        await leadership.start()  # the leader plans as it takes the lock

    async def stop() -> None:
        await scheduler.stop()
        await leadership.stop()

    return Service("reminders", start, stop)


async def _plan(scheduler: ReminderScheduler) -> None:
    await scheduler.plan()
