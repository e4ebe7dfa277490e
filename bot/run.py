"""`meslek-bot run`: the channels, the web server and extra services, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Iterator, Sequence

import uvicorn

from bot.app import Assistant, build_assistant, settle_heap
from bot.metrics import Metrics
from bot.services import Service, ServiceFactory, channel_service
from bot.settings import Settings
from bot.web import build_web_app

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

    channel = TelegramChannel(settings, assistant.engine, assistant.users, metrics)
    return channel_service(assistant, channel)


def whatsapp_service(settings: Settings, assistant: Assistant, metrics: Metrics) -> Service | None:
    """The WhatsApp channel, when MF_WHATSAPP_TOKEN is set; also the outbox's WhatsApp sender."""
    if settings.whatsapp_token is None:
        return None
    from bot.channels.whatsapp import WhatsAppChannel
    from storage.whatsapp_store import WhatsAppStore

    store = WhatsAppStore(assistant.db, assistant.users, assistant.engine.clock)
    channel = WhatsAppChannel(settings, assistant.engine, store, assistant.users, metrics)
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


class _Redact(logging.Filter):
    """Replaces secrets in log records (PTB puts the token in some error messages)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, "***")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "***")
        record.msg, record.args = message, None
        return True


def _secrets(settings: Settings) -> list[str]:
    values = (settings.telegram_token, settings.whatsapp_token, settings.whatsapp_app_secret)
    return [s.get_secret_value() for s in values if s is not None]


def _redacted(text: str, settings: Settings) -> str:
    for secret in _secrets(settings):
        text = text.replace(secret, "***")
    return text


@contextlib.contextmanager
def _quiet_logs(settings: Settings) -> Iterator[None]:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    redact = _Redact(_secrets(settings))
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
        try:
            sock = _listen(settings.http_host, settings.http_port)
        except OSError as exc:
            where = f"{settings.http_host}:{settings.http_port}"
            sys.stderr.write(
                f"meslek-bot run: MF_HTTP_HOST/MF_HTTP_PORT: {where} dinlenemiyor ({exc})\n"
            )
            return 1
        try:
            assistant = await build_assistant(settings)
        except BaseException:
            sock.close()
            raise
        try:
            return await _serve(settings, assistant, sock, services or SERVICES, stop)
        finally:
            sock.close()
            await assistant.close()


async def _serve(
    settings: Settings,
    assistant: Assistant,
    sock: socket.socket,
    factories: Sequence[ServiceFactory],
    stop: asyncio.Event,
) -> int:
    metrics = Metrics()
    built = [s for f in factories if (s := f(settings, assistant, metrics)) is not None]
    routes = [route for s in built for route in s.routes]
    config = uvicorn.Config(
        build_web_app(assistant.db, metrics, routes),
        log_config=None,
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=10,
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    started: list[Service] = []
    try:
        while not server.started:
            if serving.done():
                serving.result()
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
        log.info("running: %s; http://%s:%s", names, settings.http_host, settings.http_port)
        await stop.wait()
        log.info("stopping")
        return 0
    finally:
        for service in reversed(started):
            try:
                await service.stop()
            except Exception:
                log.exception("%s did not stop cleanly", service.name)
        server.should_exit = True
        await serving
