"""The reminder scheduler as a service of `meslek-bot run`, and the channels' push adapters."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from bot.app import Assistant
from bot.channels import telegram_delivery as tg
from bot.channels.telegram import TelegramChannel
from bot.metrics import Metrics
from bot.outbox import Dispatcher, Sender
from bot.pushes import PushRenderer
from bot.ratelimit import RateLimiter
from bot.scheduler import ReminderScheduler
from bot.services import Service
from bot.settings import Settings
from core.delivery import Rejected
from core.messages import Reply
from locales import load_translator
from storage.session_changes import catalog_version

log = logging.getLogger(__name__)
T = TypeVar("T")

CATALOG_CHECK_SECONDS = 30.0
WHATSAPP_PAIR_SECONDS = 6.0  # WhatsApp's pair rate: about one message per user per 6 s


class TelegramPush:
    """The outbox's Sender over TelegramChannel.send."""

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel

    async def push_paced(
        self, user_key: str, replies: list[Reply], kind: str, limiter: RateLimiter
    ) -> str:
        """Sends a push; each Bot API call of it (a text, a venue…) takes a slot from `limiter`
        after rendering and the chat's own pacing, just before the request, and holds it until
        the answer is back."""
        token = tg.call_gate.set(partial(_through, limiter, user_key))
        try:
            return await self.push(user_key, replies, kind)
        finally:
            tg.call_gate.reset(token)

    async def push(self, user_key: str, replies: list[Reply], kind: str) -> str:
        try:
            await self.channel.send(user_key, replies)
        except Rejected as exc:
            log.warning("telegram refused a %s push: %s", kind, exc)
            return "skipped_rejected"
        return "sent"


async def _through(limiter: RateLimiter, chat: str, request: Callable[[], Awaitable[T]]) -> T:
    async with limiter.slot(chat):
        return await request()


def reminder_service(settings: Settings, assistant: Assistant, metrics: Metrics) -> Service:
    """Plans and dispatches reminders and notices through the channels that are running."""
    del metrics
    limiters = {
        "telegram": RateLimiter(settings.telegram_max_rate, per_chat=1.0),
        "whatsapp": RateLimiter(settings.whatsapp_max_rate, per_chat=WHATSAPP_PAIR_SECONDS),
    }
    dispatcher = Dispatcher(
        assistant.db,
        assistant.senders,  # filled by the channel services as they are built
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


__all__ = ["Sender", "TelegramPush", "reminder_service"]
