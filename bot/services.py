"""What `meslek-bot run` starts beside its web server: services, and how they are built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from starlette.routing import BaseRoute

from bot.app import Assistant
from bot.metrics import Metrics
from bot.settings import Settings
from core.channel import Channel


@dataclass
class Service:
    """Something that runs beside the web server: a channel, the reminder scheduler..."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]  # must let work in flight finish
    routes: Sequence[BaseRoute] = ()


# Builds a service from the running pieces, or returns None when it is not configured.
ServiceFactory = Callable[[Settings, Assistant, Metrics], Service | None]


class ServedChannel(Channel, Protocol):
    """A channel as `meslek-bot run` serves it: with the web routes it brings (webhooks)."""

    def routes(self) -> Sequence[BaseRoute]:
        """Its webhook routes on the one web app (none when it polls)."""
        ...


def channel_service(assistant: Assistant, channel: ServedChannel) -> Service:
    """Runs a channel as a service and registers it, by name, for the outbox's pushes."""
    assistant.channels[channel.name] = channel
    return Service(channel.name, channel.start, channel.stop, channel.routes())
