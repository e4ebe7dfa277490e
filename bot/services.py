"""What `meslek-bot run` starts beside its web server: services, and how they are built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.routing import BaseRoute

from bot.app import Assistant
from bot.metrics import Metrics
from bot.settings import Settings


@dataclass
class Service:
    """Something that runs beside the web server: a channel, the reminder scheduler..."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]  # must let work in flight finish
    routes: Sequence[BaseRoute] = ()


# Builds a service from the running pieces, or returns None when it is not configured.
ServiceFactory = Callable[[Settings, Assistant, Metrics], Service | None]
