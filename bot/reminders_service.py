"""The reminder scheduler as a service of `meslek-bot run`, pushing through the running channels."""

from __future__ import annotations

import logging

from bot.app import Assistant
from bot.metrics import Metrics
from bot.outbox import Dispatcher
from bot.pushes import PushRenderer
from bot.ratelimit import RateLimiter
from bot.scheduler import ReminderScheduler
from bot.services import Service
from bot.settings import Settings
from locales import load_translator
from storage.session_changes import catalog_version

log = logging.getLogger(__name__)

CATALOG_CHECK_SECONDS = 30.0
WHATSAPP_PAIR_SECONDS = 6.0  # WhatsApp's pair rate: about one message per user per 6 s


def budgets(settings: Settings) -> dict[str, tuple[float, float]]:
    """Each platform account's push budget by channel: requests a second overall, and seconds
    between two messages to one chat."""
    return {
        "telegram": (settings.telegram_max_rate, 1.0),
        "whatsapp": (settings.whatsapp_max_rate, WHATSAPP_PAIR_SECONDS),
    }


def reminder_service(settings: Settings, assistant: Assistant, metrics: Metrics) -> Service:
    """Plans and dispatches reminders and notices through the channels that are running."""
    del metrics
    limiters = {
        name: RateLimiter(rate, per_chat=gap) for name, (rate, gap) in budgets(settings).items()
    }
    dispatcher = Dispatcher(
        assistant.db,
        assistant.channels,  # registered by the channel services, built before this one
        limiters,
        PushRenderer(assistant.db, load_translator(), settings.tz, settings.default_locale),
        clock=assistant.engine.clock,
        quiet=settings.quiet_window,
        tz=settings.tz,
        users=assistant.users,
    )
    seen = {"version": ""}
    scheduler: ReminderScheduler

    async def reload_if_changed() -> None:
        async with assistant.db.read() as conn:
            version = await catalog_version(conn)
        if seen["version"] and version != seen["version"]:
            await assistant.reload_catalog()
            await scheduler.plan()
            log.info("catalog changed (version %s): reloaded and re-planned", version)
        seen["version"] = version

    scheduler = ReminderScheduler(
        assistant.db,
        settings,
        dispatcher,
        clock=assistant.engine.clock,
        extra_jobs={"catalog": (CATALOG_CHECK_SECONDS, reload_if_changed)},
    )

    async def start() -> None:
        await reload_if_changed()
        await scheduler.start()

    return Service("reminders", start, scheduler.stop)
