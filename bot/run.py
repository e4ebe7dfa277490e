"""`meslek-bot run`: the channels, the web server and extra services, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Iterator, Sequence
from datetime import timedelta

import uvicorn
from starlette.applications import Starlette

from bot import http_limits
from bot.app import Assistant, build_assistant, settle_heap
from bot.budget import account_of
from bot.logs import Redact
from bot.metrics import Metrics
from bot.services import Service, ServiceFactory, channel_service
from bot.settings import Settings
from bot.web import build_web_app
from storage.db import Database

log = logging.getLogger(__name__)

NO_CHANNEL = (
    "meslek-bot run: hiçbir kanal ayarlı değil; Telegram için MF_TELEGRAM_TOKEN, WhatsApp için "
    "MF_WHATSAPP_TOKEN (ve MF_WHATSAPP_PHONE_NUMBER_ID, MF_WHATSAPP_APP_SECRET, "
    "MF_WHATSAPP_VERIFY_TOKEN) ayarlayın; kanalsız denemek için: meslek-bot chat\n"
)
# Loggers that print request URLs (with the bot token in them) at INFO or DEBUG.
NOISY_LOGGERS = ("httpx", "httpcore", "telegram", "apscheduler", "uvicorn.access")


def telegram_service(settings: Settings, assistant: Assistant, metrics: Metrics) -> Service | None:
    """The Telegram channel, when MF_TELEGRAM_TOKEN is set."""
    if settings.telegram_token is None:
        return None
    from bot.channels.telegram import TelegramChannel
    from storage.telegram_store import TelegramStore

    engine = assistant.engine
    store = TelegramStore(
        assistant.db,
        engine.clock,
        engine.vault,
        owner=assistant.instance,
        lease=timedelta(seconds=settings.lease_seconds),
    )
    channel = TelegramChannel(
        settings,
        engine,
        assistant.users,
        metrics,
        store=store,
        budget=assistant.budget_of("telegram"),
        # Polling: one instance at a time (the lock); a webhook reaches any instance.
        poll_lock=None
        if settings.telegram_webhook_url
        else assistant.lock(f"telegram-polling:{account_of(settings, 'telegram')}"),
    )
    return channel_service(assistant, channel)


def whatsapp_service(settings: Settings, assistant: Assistant, metrics: Metrics) -> Service | None:
    """The WhatsApp channel, when MF_WHATSAPP_TOKEN is set; also the outbox's WhatsApp sender."""
    if settings.whatsapp_token is None:
        return None
    from bot.channels.whatsapp import WhatsAppChannel
    from storage.whatsapp_store import WhatsAppStore

    store = WhatsAppStore(
        assistant.db,
        assistant.users,
        assistant.engine.clock,
        assistant.engine.vault,
        owner=assistant.instance,
        lease=timedelta(seconds=settings.lease_seconds),
    )
    channel = WhatsAppChannel(
        settings,
        assistant.engine,
        store,
        assistant.users,
        metrics,
        budget=assistant.budget_of("whatsapp"),
    )
    return channel_service(assistant, channel)


def reminders(settings: Settings, assistant: Assistant, metrics: Metrics) -> Service | None:
    """The reminder scheduler and outbox dispatcher (always on)."""
    from bot.reminders_service import reminder_service

    return reminder_service(settings, assistant, metrics)


# Channels first, the scheduler last (order = start order; stop is the reverse).
SERVICES: list[ServiceFactory] = [telegram_service, whatsapp_service, reminders]


def has_channel(settings: Settings) -> bool:
    return settings.telegram_token is not None or settings.whatsapp_token is not None


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: run() decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _secrets(settings: Settings) -> list[str]:
    values = (
        settings.telegram_token,
        settings.whatsapp_token,
        settings.whatsapp_app_secret,
        settings.panel_secret,
        settings.data_key,
        settings.redis_url,
    )
    return [s.get_secret_value() for s in values if s is not None]


def _redacted(text: str, settings: Settings) -> str:
    for secret in _secrets(settings):
        text = text.replace(secret, "***")
    return text


@contextlib.contextmanager
def _quiet_logs(settings: Settings) -> Iterator[None]:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    redact = Redact(_secrets(settings))  # the secrets, and personal data again (bot/logs.py)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(redact)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(redact)


@contextlib.contextmanager
def _signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only then, and
    # without it every keep-alive response waits ~40 ms (Nagle against delayed ACKs).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def run(
    settings: Settings,
    *,
    services: Sequence[ServiceFactory] | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Runs until SIGINT/SIGTERM (or `stop` is set), then shuts down cleanly; the exit code."""
    if not has_channel(settings):
        sys.stderr.write(NO_CHANNEL)
        return 2
    stop = stop or asyncio.Event()
    with _quiet_logs(settings), _signals(stop):
        caps = http_limits.connection_caps(http_limits.raise_open_files())
        try:
            sock = _listen(settings.http_host, settings.http_port)
        except OSError as exc:
            where = f"{settings.http_host}:{settings.http_port}"
            sys.stderr.write(
                f"meslek-bot run: MF_HTTP_HOST/MF_HTTP_PORT: {where} dinlenemiyor ({exc})\n"
            )
            return 1
        try:
            panel_sock = _listen(settings.panel_host, settings.panel_port)
        except OSError as exc:
            sock.close()
            sys.stderr.write(f"meslek-bot run: {_panel_unusable(settings, exc)}\n")
            return 1
        try:
            assistant = await build_assistant(settings)
        except BaseException:
            sock.close()
            panel_sock.close()
            raise
        try:
            listeners = ((sock, caps[0]), (panel_sock, caps[1]))
            return await _serve(settings, assistant, listeners, services or SERVICES, stop)
        finally:
            sock.close()
            panel_sock.close()
            await assistant.close()


def _panel_unusable(settings: Settings, exc: OSError) -> str:
    where = f"{settings.panel_host}:{settings.panel_port}"
    return f"MF_PANEL_HOST/MF_PANEL_PORT: {where} dinlenemiyor ({exc})"


def _uvicorn(app: object, connections: int) -> _Server:
    """A server for `app` within `http_limits` (deadlines, head sizes, `connections` at once)."""
    limits = http_limits.limits_for(connections)
    config = uvicorn.Config(
        http_limits.BodyDeadline(app, limits),  # type: ignore[arg-type]
        http=http_limits.bounded_protocol(limits),
        log_config=None,
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=10,
        # Requests in flight. The protocol keeps the connections at `connections`; a request's
        # task may outlive its answer while the same keep-alive connection already sends the
        # next, so one connection can count twice here for a moment: room for that, or a
        # well-behaved client gets a 503 it never earned.
        limit_concurrency=2 * connections + 1,
    )
    return _Server(config)


def panel_app(settings: Settings, db: Database) -> Starlette:
    """The staff panel over this database."""
    from bot.app import data_secret
    from bot.panel.app import build_panel_app, panel_config
    from storage.crypto import IdVault

    secret = data_secret(settings)
    return build_panel_app(db, IdVault(secret), settings, panel_config(settings, secret))


async def serve_panel_only(settings: Settings, *, stop: asyncio.Event | None = None) -> int:
    """`meslek-bot panel`: the staff panel alone, until SIGINT/SIGTERM."""
    from bot.app import open_database

    stop = stop or asyncio.Event()
    with _quiet_logs(settings), _signals(stop):
        _, cap = http_limits.connection_caps(http_limits.raise_open_files(), web=False)
        try:
            sock = _listen(settings.panel_host, settings.panel_port)
        except OSError as exc:
            sys.stderr.write(f"meslek-bot panel: {_panel_unusable(settings, exc)}\n")
            return 1
        try:
            db, _ = await open_database(settings)
        except BaseException:
            sock.close()
            raise
        server = _uvicorn(panel_app(settings, db), cap)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                if serving.done():
                    serving.result()
                    return 1
                await asyncio.sleep(0.01)
            log.info("panel: http://%s:%s", settings.panel_host, settings.panel_port)
            waiter = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, serving}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            return 0
        finally:
            server.should_exit = True
            await serving
            sock.close()
            await db.dispose()


async def _serve(
    settings: Settings,
    assistant: Assistant,
    listeners: tuple[tuple[socket.socket, int], tuple[socket.socket, int]],
    factories: Sequence[ServiceFactory],
    stop: asyncio.Event,
) -> int:
    metrics = Metrics()
    built = [s for f in factories if (s := f(settings, assistant, metrics)) is not None]
    routes = [route for s in built for route in s.routes]
    (sock, web_cap), (panel_sock, panel_cap) = listeners
    server = _uvicorn(build_web_app(assistant.db, metrics, routes), web_cap)
    panel = _uvicorn(panel_app(settings, assistant.db), panel_cap)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    panel_serving = asyncio.create_task(panel.serve(sockets=[panel_sock]))
    started: list[Service] = []
    try:
        while not (server.started and panel.started):
            for task in (serving, panel_serving):
                if task.done():
                    task.result()
                    return 1
            await asyncio.sleep(0.01)
        for service in built:
            try:
                await service.start()
            except Exception as exc:  # noqa: BLE001 - one clear line, then shut down
                why = _redacted(str(exc), settings)
                sys.stderr.write(f"meslek-bot run: {service.name} başlatılamadı: {why}\n")
                return 1
            started.append(service)
        settle_heap()
        assistant.settled = True
        names = ", ".join(s.name for s in started) or "-"
        log.info(
            "running: %s; http://%s:%s; panel http://%s:%s",
            names,
            settings.http_host,
            settings.http_port,
            settings.panel_host,
            settings.panel_port,
        )
        await stop.wait()
        log.info("stopping")
        return 0
    finally:
        for service in reversed(started):
            try:
                await service.stop()
            except Exception:
                log.exception("%s did not stop cleanly", service.name)
        server.should_exit = panel.should_exit = True
        await asyncio.gather(serving, panel_serving)
