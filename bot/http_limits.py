"""What one HTTP client may hold of the web server and of the staff panel, and for how long.

uvicorn (0.55, httptools) gives a request no deadline for its head or its body, no limit on
the size of its head (a 10 MiB header line was read into memory), and `limit_concurrency`
counts open connections only to answer 503 once a head has arrived: 200 connections that send
a byte every 2 s held a server with 256 file descriptors for as long as they liked. Both
listeners of `meslek-bot run` (webhooks, staff panel) and `meslek-bot panel` are served with:

- `BoundedHttpTools`, the protocol: a request's head (request line and headers) must arrive
  within `head_timeout` of its first byte (of the connection, for a new one), else 408 and the
  connection is closed; a line over `max_line` is refused with 431 (414 for the URL), a head
  over `max_head` with 431 as soon as that many bytes came. At most `connections` are open: one
  more closes the connection that has waited longest for its client (an idle keep-alive, a
  head or a body still arriving) — a slow client loses its place to a quick one, so `/healthz`
  and real deliveries stay answerable under a flood of slow connections — and when every open
  connection is busy with a request being answered, it gets 503 at once.
- `BodyDeadline`, an ASGI middleware: a body must arrive within `body_timeout` plus one second
  for every `body_min_rate` bytes received (a 25 MB panel upload over a slow line still fits;
  a byte every 2 s does not), else 408 and the connection is closed. A response given before
  the body was read (413, 403…) closes the connection, so the rest is never read.
- `raise_open_files()`: the open-file limit raised to the hard limit at start, and the
  connection caps kept within what the limit allows (`connection_caps`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import httptools
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

log = logging.getLogger(__name__)

# Sizing (docs/ARCHITECTURE.md). The webhook listener's clients are Telegram (at most 40
# connections: the webhook's default max_connections, which we keep), Meta (a delivery is
# acknowledged in ~30 ms, so even 1,000 deliveries/s need ~30 connections at once) and health
# and metrics probes: 256 is about twice the worst real peak, and bounds what unsigned bodies
# can hold in memory (256 × 1 MB). The panel serves staff browsers (up to 6 connections each;
# idle ones are the first to go): 64.
WEB_CONNECTIONS = 256
PANEL_CONNECTIONS = 64
# Descriptors the process needs besides its clients. Measured: 23 in `meslek-bot run` on SQLite
# (Telegram webhook) after 30 conversations; with every pool full add the Bot API's 36 + 2, the
# Graph API's 8 and PostgreSQL's 15 (SQLAlchemy's default 5 + 10 overflow): ~85.
RESERVED_FILES = 128
OPEN_FILES_CEILING = 65_536  # soft limit asked for when the hard limit is higher (or unlimited)
WARN_EVERY = 60.0


@dataclass(frozen=True, slots=True)
class HttpLimits:
    head_timeout: float = 10.0  # seconds for a request's head, from its first byte
    body_timeout: float = 30.0  # seconds for a body, from the end of the head…
    body_min_rate: float = 8 * 1024  # …plus one second per this many bytes received
    max_line: int = 16 * 1024  # the request line, and each header line
    max_head: int = 64 * 1024  # the request line and all headers together
    connections: int = WEB_CONNECTIONS  # open at once on one listener


LIMITS = HttpLimits()  # read when a server is built (tests replace it with shorter deadlines)


class _HeadTooLarge(Exception):
    """Raised inside the parser's callbacks to stop it; the answer is in `_refusal`."""


class BoundedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head deadline, head size limits and a connection cap
    that evicts the connection waiting longest for its client."""

    LIMITS: ClassVar[HttpLimits] = HttpLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._reading_head = True  # between requests, or a head arriving
        self._head_bytes = 0
        self._waiting_since = 0.0  # since when this connection waits for its client
        self._refusal: tuple[int, str] | None = None

    # Connections ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_since = self.loop.time()
        if len(self.connections) > self.LIMITS.connections and not self._evict_one():
            _warn(
                "http: every one of %d connections is busy; a new one got 503",
                len(self.connections) - 1,
            )
            self.connections.discard(self)
            self._refuse(503, "Service Unavailable")
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def waiting_for_client(self) -> bool:
        """Idle, or a head or body still arriving: closing it costs nobody an answer."""
        if self.transport is None or self.transport.is_closing():
            return False
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return not self.pipeline
        return cycle.more_body and not cycle.response_started

    def _evict_one(self) -> bool:
        waiting = [
            c
            for c in self.connections
            if c is not self and isinstance(c, BoundedHttpTools) and c.waiting_for_client()
        ]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda c: c._waiting_since)
        _warn(
            "http: %d connections open (the limit); closing those waiting longest for their client",
            self.LIMITS.connections,
        )
        self.connections.discard(oldest)
        oldest._cancel_head_timer()
        oldest.transport.close()
        return True

    # The head ------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        while data:
            if self._reading_head:
                if self._head_timer is None:
                    self._arm_head_timer()
                room = self.LIMITS.max_head - self._head_bytes
                if room <= 0:
                    self._refuse(431, "Request Header Fields Too Large")
                    return
                part, data = data[:room], data[room:]
                self._head_bytes += len(part)
            else:
                part, data = data, b""
            if not self._feed(part):
                return

    def _feed(self, data: bytes) -> bool:
        """uvicorn's data_received for one part; False once the connection is done."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return False
        except httptools.HttpParserError:
            if self._refusal is not None:
                self._refuse(*self._refusal)
            else:
                self.logger.warning("Invalid HTTP request received.")
                self.send_400_response("Invalid HTTP request received.")
            return False
        return self.parser is not None and not self.transport.is_closing()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.LIMITS.max_line:
            self._refusal = (414, "URI Too Long")
            raise _HeadTooLarge

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) + len(value) > self.LIMITS.max_line:
            self._refusal = (431, "Request Header Fields Too Large")
            raise _HeadTooLarge
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_bytes = 0
        self._cancel_head_timer()
        self._waiting_since = self.loop.time()  # now for its body, if it has one
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head = True
        self._head_bytes = 0

    def on_response_complete(self) -> None:
        self._waiting_since = self.loop.time()
        super().on_response_complete()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.LIMITS.head_timeout, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or not self._reading_head:
            return
        log.debug("http: a request head took over %s s; closed", self.LIMITS.head_timeout)
        if self.cycle is None or self.cycle.response_complete:
            self._refuse(408, "Request Timeout")
        else:  # a pipelined head behind a response still being written
            self.transport.close()

    def _refuse(self, status: int, text: str) -> None:
        """Answers `status` and closes the connection (nothing more is read from it)."""
        self._cancel_head_timer()
        body = text.encode("ascii")
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n\r\n",
                body,
            ]
        )
        if not self.transport.is_closing():
            self.transport.write(b"".join(content))
            self.transport.close()


def bounded_protocol(limits: HttpLimits) -> type[BoundedHttpTools]:
    """The protocol class for one listener."""

    class Bounded(BoundedHttpTools):
        LIMITS = limits

    return Bounded


# The body ------------------------------------------------------------------------------------


class _BodyTooSlow(BaseException):
    """Thrown into the application when its body did not arrive in time. Not an Exception, so
    that an application's own error handling (a 500 page) does not catch it."""


class BodyDeadline:
    """Gives each request body a deadline; answers 408 (and closes) when it passes."""

    def __init__(self, app: ASGIApp, limits: HttpLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = self.limits
        started = asyncio.get_running_loop().time()
        received = 0
        complete = not _has_body(scope["headers"])
        answered = False

        async def bounded_receive() -> Message:
            nonlocal received, complete
            if complete:  # what follows is a wait for the client to leave: no deadline
                return await receive()
            deadline = started + limits.body_timeout + received / limits.body_min_rate
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        async def closing_send(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
                if not complete:  # answered before the body was read: never read the rest
                    headers = [*message.get("headers", []), (b"connection", b"close")]
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, bounded_receive, closing_send)
        except _BodyTooSlow:
            log.debug("http: a body for %s came too slowly; closed", scope.get("path"))
            if not answered:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 408,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", b"15"),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b"Request Timeout"})


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


# Open files ----------------------------------------------------------------------------------


def raise_open_files() -> int:
    """Raises the soft open-file limit to the hard one (at most OPEN_FILES_CEILING) where the
    system allows; logs the limit in force once and returns it."""
    try:
        import resource
    except ImportError:  # not on this platform (Windows): nothing to raise
        return OPEN_FILES_CEILING
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES_CEILING if hard == resource.RLIM_INFINITY else min(hard, OPEN_FILES_CEILING)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError) as exc:
            log.warning("open-file limit %d could not be raised to %d: %s", soft, wanted, exc)
            return soft
        log.info("open-file limit raised from %d to %d", soft, wanted)
        return wanted
    limit = OPEN_FILES_CEILING if soft == resource.RLIM_INFINITY else soft
    log.info("open-file limit %d", limit)
    return limit


def connection_caps(open_files: int, *, web: bool = True) -> tuple[int, int]:
    """(webhook listener, panel listener) connection caps that fit in `open_files`."""
    wanted_web = WEB_CONNECTIONS if web else 0
    budget = max(open_files - RESERVED_FILES, 16)
    if wanted_web + PANEL_CONNECTIONS <= budget:
        return wanted_web, PANEL_CONNECTIONS
    panel = max(budget * PANEL_CONNECTIONS // (wanted_web + PANEL_CONNECTIONS), 4)
    web_cap = max(budget - panel, 8) if web else 0
    log.warning(
        "open-file limit %d: at most %d webhook and %d panel connections (raise the hard "
        "limit, e.g. LimitNOFILE= in systemd, for more)",
        open_files,
        web_cap,
        panel,
    )
    return web_cap, panel


def limits_for(connections: int) -> HttpLimits:
    """LIMITS with this listener's connection cap."""
    return replace(LIMITS, connections=connections)


_last_warning: dict[str, float] = {}


def _warn(message: str, *args: object) -> None:
    """A warning at most once a minute per message: a flood must not flood the log too."""
    now = time.monotonic()
    with contextlib.suppress(KeyError):
        if now - _last_warning[message] < WARN_EVERY:
            return
    _last_warning[message] = now
    log.warning(message, *args)
