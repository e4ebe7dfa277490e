"""A local stand-in for the WhatsApp Cloud API's send endpoint, over real HTTP.

In a test: ``async with GraphDouble(token="t") as graph:`` then point
MF_WHATSAPP_API_URL at ``graph.url``. By hand: ``python -m tests.doubles.graph_api --port 8091``
(``GET /_double/stats?since=N``: messages accepted and their recipients, refusals by error
code, the most accepted within a second, from the N-th arrival on).

It checks the bearer token, checks each message against the documented limits (3 reply
buttons of ≤ 20 characters, ≤ 10 list rows of ≤ 24 characters, bodies ≤ 1,024 / 4,096
characters…) and answers like Graph does: a wamid on success, the Graph error shape
otherwise. `rate_limit` is the Cloud API's throughput per business phone number (80 messages/s
by default): a message that would make more than that arrive for one phone number id within
any second is refused with error 130429, as Meta does. `fail_once` makes one recipient's next
message fail with a chosen code (131056 pair rate, 131047 window closed, 131026
undeliverable…), optionally after letting a few more through.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ERROR_TITLES = {
    100: "Invalid parameter",
    131009: "Parameter value is not valid",
    130429: "Rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131047: "Re-engagement message",
    131026: "Message undeliverable",
    131000: "Something went wrong",
}


@dataclass
class Sent:
    """One accepted message: who it went to, what it was, the wamid we gave it."""

    wamid: str
    to: str
    body: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))

    @property
    def text(self) -> str:
        """The readable text: a text body, an interactive body or template parameters."""
        if self.type == "text":
            return str(self.body["text"]["body"])
        if self.type == "interactive":
            return str(self.body["interactive"].get("body", {}).get("text", ""))
        if self.type == "template":
            parts = self.body["template"].get("components", [])
            return " ".join(p["text"] for c in parts for p in c.get("parameters", []))
        if self.type == "location":
            return str(self.body["location"].get("name", ""))
        return ""

    @property
    def interactive_type(self) -> str:
        return str(self.body.get("interactive", {}).get("type", ""))

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(id, title) of reply buttons or list rows."""
        action = self.body.get("interactive", {}).get("action", {})
        if "buttons" in action:
            return [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]
        return [(r["id"], r["title"]) for s in action.get("sections", []) for r in s["rows"]]


@dataclass
class GraphDouble:
    """The double's state and its Starlette app; start() serves it on 127.0.0.1."""

    token: str = "test-token"
    phone_number_id: str | None = None  # None accepts any id in the path
    rate_limit: float | None = None  # messages per second per phone number, then 130429
    sent: list[Sent] = field(default_factory=list)
    rejected: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    requests: int = 0
    arrivals: list[tuple[float, str, int]] = field(default_factory=list)  # (time, to, code)
    _fail_once: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    _windows: dict[str, deque[float]] = field(default_factory=dict)  # phone id -> arrivals
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: LocalServer | None = None
    url: str = ""

    def fail_once(self, recipient: str, code: int, after: int = 0) -> None:
        """The next message to `recipient` (after `after` more are accepted) fails with this
        Graph error code."""
        self._fail_once.setdefault(recipient, []).append((after, code))

    def throttled(self) -> int:
        """How many messages were refused with 130429 (throughput)."""
        return sum(1 for code, _ in self.rejected if code == 130429)

    def to(self, recipient: str) -> list[Sent]:
        return [s for s in self.sent if s.to == recipient]

    async def wait_for(
        self, predicate: Callable[[GraphDouble], bool], within: float = 10.0
    ) -> None:
        """Waits until `predicate(self)` holds (replies are sent after the webhook answers)."""
        deadline = time.monotonic() + within
        while not predicate(self):
            if time.monotonic() > deadline:
                raise TimeoutError(f"graph double: condition not met; sent={self.sent!r}")
            await asyncio.sleep(0.01)

    async def settle(self, quiet: float = 0.3, within: float = 10.0) -> None:
        """Waits until no message has arrived for `quiet` seconds."""
        deadline = time.monotonic() + within
        seen = -1
        while time.monotonic() < deadline:
            if self.requests == seen:
                return
            seen = self.requests
            await asyncio.sleep(quiet)
        raise TimeoutError("graph double: still busy")

    # HTTP ---------------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/{version}/{phone_id}/messages", self._messages, methods=["POST"]),
                Route("/_double/stats", self._stats, methods=["GET"]),
            ]
        )

    def busiest_second(self, since: int = 0) -> int:
        """The most messages accepted within any second (of the arrivals from index `since`), all
        phone numbers together (the tests and benches use one)."""
        times = sorted(at for at, _, code in self.arrivals[since:] if code == 0)
        most, j = 0, 0
        for i, start in enumerate(times):
            j = max(j, i)
            while j + 1 < len(times) and times[j + 1] <= start + 1.0:
                j += 1
            most = max(most, j - i + 1)
        return most

    async def _stats(self, request: Request) -> JSONResponse:
        """What arrived from arrival number `since` on: messages accepted, how many recipients
        got one, refusals by error code, the busiest second; `arrivals` is the next `since`."""
        since = int(request.query_params.get("since", "0"))
        seen = self.arrivals[since:]
        refused: dict[str, int] = {}
        for _, _, code in seen:
            if code:
                refused[str(code)] = refused.get(str(code), 0) + 1
        return JSONResponse(
            {
                "arrivals": len(self.arrivals),
                "sent": sum(1 for _, _, code in seen if code == 0),
                "recipients": len({to for _, to, code in seen if code == 0}),
                "refused": refused,
                "busiest_second": self.busiest_second(since),
            }
        )

    async def _messages(self, request: Request) -> JSONResponse:
        self.requests += 1
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        phone_id = request.path_params["phone_id"]
        if self.phone_number_id is not None and phone_id != self.phone_number_id:
            return _error(400, 100, f"Unsupported post request. Object with ID '{phone_id}'")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, 100, "Invalid JSON")
        to = str(body.get("to") or body.get("recipient") or "")
        if self._throttled(phone_id):
            return self._reject(429, 130429, body)
        pending = self._fail_once.get(to)
        if pending:
            after, code = pending[0]
            if after <= 0:
                pending.pop(0)
                return self._reject(429 if code in (130429, 131056) else 400, code, body)
            pending[0] = (after - 1, code)
        problem = check_message(body)
        if problem:
            return self._reject(400, 131009 if "limit" in problem else 100, body, problem)
        wamid = f"wamid.TEST{next(self._ids):08d}"
        self.sent.append(Sent(wamid, to, body))
        self.arrivals.append((time.monotonic(), to, 0))
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid}],
            }
        )

    def _throttled(self, phone_id: str) -> bool:
        """Whether one more message now would exceed the number's throughput in some second."""
        if self.rate_limit is None:
            return False
        now = time.monotonic()
        window = self._windows.setdefault(phone_id, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.rate_limit:
            return True
        window.append(now)
        return False

    def _reject(
        self, status: int, code: int, body: dict[str, Any], detail: str = ""
    ) -> JSONResponse:
        self.rejected.append((code, body))
        self.arrivals.append((time.monotonic(), str(body.get("to") or ""), code))
        return _error(status, code, detail or ERROR_TITLES.get(code, "Error"))

    # Serving ------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        """Serves on 127.0.0.1 (a free port unless given); returns the base URL."""
        self._server = LocalServer(self.app())
        self.url = await self._server.start(port)
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None

    async def wait_closed(self) -> None:
        """Runs until uvicorn stops (SIGINT / SIGTERM), for the command line."""
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> GraphDouble:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


class LocalServer:
    """Any ASGI app served by uvicorn on 127.0.0.1, inside the running event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, port: int = 0) -> str:
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on such sockets, and without
        # it Nagle's algorithm holds uvicorn's response body for ~40 ms (delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", loop="asyncio"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.005)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.url

    async def wait_closed(self) -> None:
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = self._task = None


def _error(status: int, code: int, message: str) -> JSONResponse:
    title = ERROR_TITLES.get(code, message)
    return JSONResponse(
        {
            "error": {
                "message": f"(#{code}) {title}",
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": message},
                "fbtrace_id": "AtestTRACE",
            }
        },
        status_code=status,
    )


def check_message(body: dict[str, Any]) -> str:
    """The first documented limit this message breaks, or "" when it is acceptable."""
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if not (body.get("to") or body.get("recipient")):
        return "to is required"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text", {}).get("body", "")
        return "" if 0 < len(text) <= 4096 else "text body limit is 1..4096 characters"
    if kind == "location":
        loc = body.get("location", {})
        return "" if {"latitude", "longitude"} <= set(loc) else "location needs coordinates"
    if kind == "template":
        tpl = body.get("template", {})
        return "" if tpl.get("name") and tpl.get("language", {}).get("code") else "bad template"
    if kind == "interactive":
        return _check_interactive(body.get("interactive", {}))
    return f"unsupported type {kind!r}"


def _check_interactive(inter: dict[str, Any]) -> str:
    body = inter.get("body", {}).get("text", "")
    if not 0 < len(body) <= 1024:
        return "interactive body limit is 1..1024 characters"
    action = inter.get("action", {})
    kind = inter.get("type")
    if kind == "button":
        buttons = action.get("buttons", [])
        if not 1 <= len(buttons) <= 3:
            return "reply buttons limit is 1..3"
        titles = [b["reply"]["title"] for b in buttons]
        ids = [b["reply"]["id"] for b in buttons]
        if any(not 0 < len(t) <= 20 for t in titles):
            return "button title limit is 20 characters"
        if any(not 0 < len(i) <= 256 for i in ids):
            return "button id limit is 256 characters"
        if len(set(titles)) != len(titles) or len(set(ids)) != len(ids):
            return "button titles and ids must be unique (limit)"
        return ""
    if kind == "list":
        if not 0 < len(action.get("button", "")) <= 20:
            return "list button text limit is 20 characters"
        sections = action.get("sections", [])
        rows = [r for s in sections for r in s.get("rows", [])]
        if not 1 <= len(rows) <= 10 or not 1 <= len(sections) <= 10:
            return "list rows limit is 1..10"
        if len(sections) > 1 and any(not s.get("title") for s in sections):
            return "section title is required with several sections (limit)"
        for row in rows:
            if not 0 < len(row.get("title", "")) <= 24:
                return "row title limit is 24 characters"
            if len(row.get("description", "")) > 72:
                return "row description limit is 72 characters"
            if not 0 < len(row.get("id", "")) <= 200:
                return "row id limit is 200 characters"
        if len({r["id"] for r in rows}) != len(rows):
            return "row ids must be unique (limit)"
        return ""
    if kind == "location_request_message":
        return "" if action.get("name") == "send_location" else "action name must be send_location"
    return f"unsupported interactive type {kind!r}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--token", default="test-token")
    parser.add_argument(
        "--rate", type=float, default=None, help="messages/s per phone number before 130429"
    )
    args = parser.parse_args()
    double = GraphDouble(token=args.token, rate_limit=args.rate)

    async def serve() -> None:
        url = await double.start(args.port)
        print(f"Graph API double on {url}", flush=True)  # noqa: T201 - the CLI says where it is
        await double.wait_closed()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
