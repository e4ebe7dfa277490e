"""A local Telegram Bot API test double: a real HTTP server speaking enough for PTB 22.

In-process::

    async with TelegramDouble() as tg:
        settings = make_settings(..., telegram_token=tg.token, telegram_api_url=tg.api_url)
        tg.send_text(42, "merhaba")
        await tg.wait_for(lambda: tg.sent_texts(42))

As a subprocess: ``python -m tests.doubles.telegram_api --port 8081``; tests and benchmarks
then drive it over HTTP: ``POST /_double/push`` (an update body; returns its update_id),
``GET /_double/calls?since=N`` (every call recorded), ``GET /_double/pushes?since=ID`` (update
ids with the time they were queued), ``GET /_double/replies?since=N`` (first sendMessage per chat),
``GET /_double/sends?since=N`` (every delivered sendMessage: chat and time),
``POST /_double/config`` (failure modes), ``POST /_double/reset``.
Times are ``time.perf_counter()`` of the double's own process.
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
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEFAULT_TOKEN = "123456:TEST-token"
SEND_METHODS = frozenset(
    {"sendMessage", "sendLocation", "sendVenue", "editMessageText", "editMessageReplyMarkup"}
)
# Form-encoded bodies carry non-string values JSON-encoded; these fields are plain strings.
STRING_FIELDS = frozenset(
    {
        "text",
        "title",
        "address",
        "url",
        "secret_token",
        "callback_query_id",
        "action",
        "parse_mode",
        "caption",
        "language_code",
        "inline_message_id",
        "ip_address",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "business_connection_id",
        "message_effect_id",
    }
)
BLOCKED = "Forbidden: bot was blocked by the user"


@dataclass
class Call:
    """One Bot API request the bot made, with its decoded parameters."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


# Update bodies -------------------------------------------------------------------------------


def user_body(user_id: int, language_code: str | None = "tr") -> dict[str, Any]:
    body: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"Kullanıcı {user_id}"}
    if language_code:
        body["language_code"] = language_code
    return body


def _chat(chat_id: int, kind: str = "private") -> dict[str, Any]:
    return {"id": chat_id, "type": kind, "first_name": f"Kullanıcı {chat_id}"}


def message_update(
    user_id: int,
    content: dict[str, Any],
    *,
    chat_type: str = "private",
    message_id: int = 0,
    language_code: str | None = "tr",
) -> dict[str, Any]:
    """An update carrying a message from a user in their private chat (or another chat type)."""
    chat_id = user_id if chat_type == "private" else -abs(user_id)
    return {
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _chat(chat_id, chat_type),
            "from": user_body(user_id, language_code),
            **content,
        }
    }


def text_update(user_id: int, text: str, **kw: Any) -> dict[str, Any]:
    entities = []
    if text.startswith("/"):
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return message_update(user_id, content, **kw)


def location_update(user_id: int, lat: float, lon: float) -> dict[str, Any]:
    return message_update(user_id, {"location": {"latitude": lat, "longitude": lon}})


def contact_update(user_id: int, phone: str, contact_user_id: int | None) -> dict[str, Any]:
    contact: dict[str, Any] = {"phone_number": phone, "first_name": "Kişi"}
    if contact_user_id is not None:
        contact["user_id"] = contact_user_id
    return message_update(user_id, {"contact": contact})


def voice_update(user_id: int) -> dict[str, Any]:
    voice = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}
    return message_update(user_id, {"voice": voice})


def photo_update(user_id: int) -> dict[str, Any]:
    size = {"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}
    return message_update(user_id, {"photo": [size]})


def callback_update(user_id: int, data: str, message: dict[str, Any] | None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "id": f"cq-{user_id}-{time.monotonic_ns()}",
        "from": user_body(user_id),
        "chat_instance": f"ci-{user_id}",
        "data": data,
    }
    if message is not None:
        query["message"] = message
    return {"callback_query": query}


# The double ----------------------------------------------------------------------------------


@dataclass
class Failures:
    """What the double refuses: blocked chats, the next N sends, and rate limits."""

    blocked: set[int] = field(default_factory=set)
    fail_next: int = 0
    fail_after: int = 0  # sends let through before the `fail_next` ones are refused
    retry_after: int = 1
    rate_overall: float | None = None  # sends per second, all chats
    rate_per_chat: float | None = None  # sends per second, one chat


class TelegramDouble:
    """The fake Bot API server and what it saw."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, port: int = 0) -> None:
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.port = port
        self.calls: list[Call] = []
        self.failures = Failures()
        self.commands: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}  # chat -> id -> message
        self.pushed_at: dict[int, float] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, Iterator[int]] = {}
        self._query_ids = itertools.count(1)
        self._window: deque[tuple[float, int]] = deque()  # (time, chat) of recent sends
        self._changed = asyncio.Condition()
        self._closing = False
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None
        self._wakers: set[asyncio.Task[None]] = set()
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/_double/push", self._ctl_push, methods=["POST"]),
                Route("/_double/calls", self._ctl_calls, methods=["GET"]),
                Route("/_double/pushes", self._ctl_pushes, methods=["GET"]),
                Route("/_double/replies", self._ctl_replies, methods=["GET"]),
                Route("/_double/sends", self._ctl_sends, methods=["GET"]),
                Route("/_double/config", self._ctl_config, methods=["POST"]),
                Route("/_double/reset", self._ctl_reset, methods=["POST"]),
            ]
        )

    # Server ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What MF_TELEGRAM_API_URL should be: PTB appends the token."""
        return f"{self.base_url}/bot"

    async def start(self) -> None:
        # IPPROTO_TCP explicitly: only then does asyncio set TCP_NODELAY on accepted connections
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=3,
            backlog=4096,
        )
        self._server = _QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        self._closing = True
        async with self._changed:
            self._changed.notify_all()  # long polls return now
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        if self._socket is not None:
            self._socket.close()

    async def __aenter__(self) -> TelegramDouble:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # Pushing updates -------------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        """Queues an update for getUpdates; returns its update_id."""
        update = dict(update)
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        message = update.get("message")
        if isinstance(message, dict) and not message.get("message_id"):
            message["message_id"] = self._next_message_id(int(message["chat"]["id"]))
        self._updates.append(update)
        self.pushed_at[update_id] = time.perf_counter()
        self._notify()
        return update_id

    def send_text(self, user_id: int, text: str) -> int:
        return self.push(text_update(user_id, text))

    def send_location(self, user_id: int, lat: float, lon: float) -> int:
        return self.push(location_update(user_id, lat, lon))

    def send_contact(self, user_id: int, phone: str, contact_user_id: int | None = None) -> int:
        """Shares a contact; by default the user's own (contact.user_id == user_id)."""
        owner = user_id if contact_user_id is None else contact_user_id
        return self.push(contact_update(user_id, phone, owner))

    def send_voice(self, user_id: int) -> int:
        return self.push(voice_update(user_id))

    def send_photo(self, user_id: int) -> int:
        return self.push(photo_update(user_id))

    def press(self, user_id: int, data: str, message_id: int | None = None) -> int:
        """Presses a button: on the given message, else the latest message that offers it."""
        message = self._message_with(user_id, data) if message_id is None else None
        if message_id is not None:
            message = self.messages.get(user_id, {}).get(message_id)
        if message is None:
            raise AssertionError(f"no message in chat {user_id} offers {data!r}")
        return self.push(callback_update(user_id, data, message))

    def press_label(self, user_id: int, fragment: str) -> int:
        """Presses the newest button whose label contains `fragment` (case-insensitive)."""
        for message in self._newest_first(user_id):
            for button in _inline_buttons(message):
                if fragment.casefold() in str(button.get("text", "")).casefold():
                    return self.push(
                        callback_update(user_id, str(button["callback_data"]), message)
                    )
        raise AssertionError(f"no button like {fragment!r} in chat {user_id}")

    def _newest_first(self, chat_id: int) -> list[dict[str, Any]]:
        chat: dict[int, dict[str, Any]] = self.messages.get(chat_id, {})
        return list(reversed(chat.values()))

    def _message_with(self, chat_id: int, data: str) -> dict[str, Any] | None:
        for message in self._newest_first(chat_id):
            if any(b.get("callback_data") == data for b in _inline_buttons(message)):
                return message
        return None

    # Looking at what happened ----------------------------------------------------------------

    def calls_to(
        self, method: str, chat_id: int | None = None, *, ok_only: bool = True
    ) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method
            and (chat_id is None or c.chat_id == chat_id)
            and (not ok_only or c.status == 200)
        ]

    def sent_texts(self, chat_id: int) -> list[str]:
        """Texts of messages delivered to a chat, in order (edits not included)."""
        return [str(c.params.get("text", "")) for c in self.calls_to("sendMessage", chat_id)]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        return list(self.messages[chat_id].values())[-1]

    def buttons(self, chat_id: int) -> list[dict[str, Any]]:
        """Inline buttons of the newest message in the chat that has any."""
        for message in self._newest_first(chat_id):
            found = _inline_buttons(message)
            if found:
                return found
        return []

    async def wait_for(self, predicate: Callable[[], object], within: float = 10.0) -> None:
        """Waits until predicate() is true; fails with the last calls seen."""
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                seen = [(c.method, c.status, c.params.get("text", "")) for c in self.calls[-15:]]
                raise AssertionError(f"condition not met in {within} s; last calls: {seen}")
            await asyncio.sleep(0.005)

    async def settle(self, quiet: float = 0.3) -> None:
        """Waits until no call has arrived for `quiet` seconds."""
        while True:
            before = len(self.calls)
            await asyncio.sleep(quiet)
            if len(self.calls) == before:
                return

    def reset(self) -> None:
        self.calls.clear()
        self.failures = Failures()
        self._window.clear()

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        task = asyncio.get_running_loop().create_task(wake())
        self._wakers.add(task)
        task.add_done_callback(self._wakers.discard)

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    # The Bot API -----------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        method = str(request.path_params["method"])
        params = await _params(request)
        call = Call(method, params, time.perf_counter())
        self.calls.append(call)
        refused = self._refuse(method, params)
        if refused is not None:
            call.status = refused.status_code
            return refused
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.status = 404
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, Response):
            call.status = result.status_code
            return result
        return JSONResponse({"ok": True, "result": result})

    def _refuse(self, method: str, params: dict[str, Any]) -> Response | None:
        if method not in SEND_METHODS:
            return None
        chat_id = int(params.get("chat_id", 0))
        if chat_id in self.failures.blocked:
            return _error(403, BLOCKED)
        if self.failures.fail_next > 0:
            if self.failures.fail_after > 0:
                self.failures.fail_after -= 1
            else:
                self.failures.fail_next -= 1
                return _too_many(self.failures.retry_after)
        now = time.perf_counter()
        while self._window and self._window[0][0] < now - 1.0:
            self._window.popleft()
        overall, per_chat = self.failures.rate_overall, self.failures.rate_per_chat
        if overall is not None and len(self._window) >= overall:
            return _too_many(1)
        if per_chat is not None and sum(1 for _, c in self._window if c == chat_id) >= per_chat:
            return _too_many(1)
        self._window.append((now, chat_id))
        return None

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Meslek",
            "username": "meslek_test_bot",
        }

    def _store(self, chat_id: int, content: dict[str, Any]) -> dict[str, Any]:
        message_id = self._next_message_id(chat_id)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": self._bot_user(),
            **content,
        }
        self.messages.setdefault(chat_id, {})[message_id] = message
        return message

    async def _m_getMe(self, _p: dict[str, Any]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        limit = int(p.get("limit") or 100)
        timeout = float(p.get("timeout") or 0)
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()
        if not self._updates and timeout > 0 and not self._closing:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout), self._changed:
                    await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
        return list(itertools.islice(self._updates, limit))

    async def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        content: dict[str, Any] = {"text": p["text"]}
        if "reply_markup" in p and "inline_keyboard" in p["reply_markup"]:
            content["reply_markup"] = p["reply_markup"]
        return self._store(int(p["chat_id"]), content)

    async def _m_sendLocation(self, p: dict[str, Any]) -> Any:
        loc = {"latitude": p["latitude"], "longitude": p["longitude"]}
        return self._store(int(p["chat_id"]), {"location": loc})

    async def _m_sendVenue(self, p: dict[str, Any]) -> Any:
        loc = {"latitude": p["latitude"], "longitude": p["longitude"]}
        venue = {"location": loc, "title": p["title"], "address": p["address"]}
        return self._store(int(p["chat_id"]), {"location": loc, "venue": venue})

    async def _m_editMessageText(self, p: dict[str, Any]) -> Any:
        message = self.messages.get(int(p["chat_id"]), {}).get(int(p["message_id"]))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = p.get("reply_markup")
        if message.get("text") == p["text"] and message.get("reply_markup") == markup:
            return _error(400, "Bad Request: message is not modified")
        message["text"] = p["text"]
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        message = self.messages.get(int(p["chat_id"]), {}).get(int(p["message_id"]))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        message["reply_markup"] = p.get("reply_markup") or {}
        return message

    async def _m_answerCallbackQuery(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_sendChatAction(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_setMyCommands(self, p: dict[str, Any]) -> Any:
        self.commands = list(p["commands"])
        return True

    async def _m_getMyCommands(self, _p: dict[str, Any]) -> Any:
        return self.commands

    async def _m_deleteMyCommands(self, _p: dict[str, Any]) -> Any:
        self.commands = []
        return True

    async def _m_setWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = dict(p)
        return True

    async def _m_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = {}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_getWebhookInfo(self, _p: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_close(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_logOut(self, _p: dict[str, Any]) -> Any:
        return True

    # Control endpoints (for a double running as a subprocess) --------------------------------

    async def _ctl_push(self, request: Request) -> Response:
        body = await request.json()
        updates = body if isinstance(body, list) else [body]
        return JSONResponse({"update_ids": [self.push(u) for u in updates]})

    async def _ctl_calls(self, request: Request) -> Response:
        since = int(request.query_params.get("since", "0"))
        return JSONResponse([asdict(c) for c in self.calls[since:]])

    async def _ctl_pushes(self, request: Request) -> Response:
        since = int(request.query_params.get("since", "0"))
        return JSONResponse({str(k): v for k, v in self.pushed_at.items() if k > since})

    async def _ctl_replies(self, request: Request) -> Response:
        """The first delivered sendMessage per chat among the calls from index `since` on."""
        since = int(request.query_params.get("since", "0"))
        first: dict[str, float] = {}
        failed = 0
        for call in self.calls[since:]:
            if call.status != 200:
                failed += 1
            elif call.method == "sendMessage":
                first.setdefault(str(call.chat_id), call.at)
        return JSONResponse({"calls": len(self.calls), "failed": failed, "first": first})

    async def _ctl_sends(self, request: Request) -> Response:
        """[chat_id, at] of every delivered sendMessage among the calls from index `since` on."""
        since = int(request.query_params.get("since", "0"))
        sends = [
            [c.chat_id, c.at]
            for c in self.calls[since:]
            if c.method == "sendMessage" and c.status == 200
        ]
        return JSONResponse(sends)

    async def _ctl_config(self, request: Request) -> Response:
        body = await request.json()
        f = self.failures
        f.blocked = set(body.get("blocked", f.blocked))
        f.fail_next = int(body.get("fail_next", f.fail_next))
        f.fail_after = int(body.get("fail_after", f.fail_after))
        f.retry_after = int(body.get("retry_after", f.retry_after))
        f.rate_overall = body.get("rate_overall", f.rate_overall)
        f.rate_per_chat = body.get("rate_per_chat", f.rate_per_chat)
        return JSONResponse({"ok": True})

    async def _ctl_reset(self, _request: Request) -> Response:
        self.reset()
        self.pushed_at.clear()
        return JSONResponse({"ok": True})


class _QuietServer(uvicorn.Server):
    """uvicorn without its signal handlers: the owner of the event loop decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _inline_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "error_code": status, "description": description}, status_code=status
    )


def _too_many(retry_after: int) -> JSONResponse:
    return JSONResponse(
        {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        },
        status_code=429,
    )


async def _params(request: Request) -> dict[str, Any]:
    """The call's parameters from a JSON, form-encoded or query-string request."""
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if not body:
        return params
    if request.headers.get("content-type", "").startswith("application/json"):
        params.update(json.loads(body))
        return params
    for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        if key in STRING_FIELDS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


async def _serve(port: int, token: str) -> None:
    double = TelegramDouble(token, port=port)
    await double.start()
    print(f"telegram double on {double.api_url} (token {token})", flush=True)  # noqa: T201
    try:
        await asyncio.Event().wait()
    finally:
        await double.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="local Telegram Bot API test double")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.token))


if __name__ == "__main__":
    main()
