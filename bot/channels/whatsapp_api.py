"""The Cloud API sender: one httpx client; retries by `bot.retry`, throttling honoured.

Errors are classified by Graph's error `code` (not by HTTP status): 130429 (throughput) and
131056 (pair rate: one user, too often) are waited out and retried, the latter longer;
network errors and 5xx are retried with exponential back-off. What is still failing after
the retries is raised as a `core.delivery` error, carrying Graph's code and title.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import httpx

from bot.channels.whatsapp_inbound import as_int
from bot.retry import WHATSAPP, RetryPolicy, Unretried
from core.delivery import Blocked, DeliveryError, RetryLater, TransientError

log = logging.getLogger(__name__)

# httpcore tries to import the optional `sniffio` several times per request; when it is not
# installed, every attempt searches sys.path on disk (a fifth of this channel's CPU under
# load, measured). Recording its absence once makes those imports fail at once.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]  # None blocks the import

THROUGHPUT = 130429  # Cloud API throughput reached
PAIR_RATE = 131056  # too many messages to the same user
SPAM_RATE = 131048  # spam rate limit: messages to many users were blocked or reported
WINDOW_CLOSED = 131047  # more than 24 hours since the user last wrote
UNDELIVERABLE = 131026  # not on WhatsApp, old app, or blocked us
THROTTLE_CODES = frozenset({THROUGHPUT, PAIR_RATE, SPAM_RATE, 4, 80007})
UNREACHABLE_CODES = frozenset({UNDELIVERABLE, 131030})  # 131030: not an allowed test number
RETRY_CODES = frozenset({1, 2, 131000, 131016})  # Graph's "try again" family

# Wraps each try of a send (each HTTP request): the channel takes a slot of the phone number's
# budget there, so a try made again in place is paced like the first.
Gate = Callable[[Callable[[], Awaitable[str]]], Awaitable[str]]


class WhatsAppError(DeliveryError):
    """A send the Cloud API refused, with Graph's error code and title."""

    def __init__(self, code: int | None, title: str) -> None:
        # Not super(): next in a subclass's MRO is RetryLater, Blocked… with other arguments.
        DeliveryError.__init__(self, f"whatsapp error {code}: {title}")
        self.code = code
        self.title = title


class Unreachable(WhatsAppError, Blocked):
    """The user cannot receive messages (not on WhatsApp, blocked us, ...)."""


class Throttled(WhatsAppError, RetryLater):
    """Still throttled after waiting; try again in `seconds`."""

    def __init__(self, code: int | None, title: str, seconds: float) -> None:
        WhatsAppError.__init__(self, code, title)
        self.seconds = seconds


class SendFailed(WhatsAppError, TransientError):
    """Network trouble or a server error, after the retries."""


class Refused(SendFailed, Unretried):
    """The Cloud API refused the message (or answered without its id): another try now would
    not help, or could send it twice."""


class WindowClosed(Refused):
    """131047: outside the 24-hour window only a template may be sent."""


class GraphClient:
    """Posts messages to `{api_url}/{version}/{phone_number_id}/messages`."""

    def __init__(
        self,
        api_url: str,
        version: str,
        phone_number_id: str,
        token: str,
        *,
        retry: RetryPolicy = WHATSAPP,
        timeout: float = 10.0,
        max_connections: int = 16,
    ) -> None:
        self.url = f"{api_url.rstrip('/')}/{version.strip('/')}/{phone_number_id}/messages"
        self.retry = retry
        self._client = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self, recipient: str, message: dict[str, Any], *, gate: Gate | None = None
    ) -> str:
        """Sends one message; returns its wamid or raises a WhatsAppError subclass. Each try
        goes through `gate`, when given."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **message}
        # A phone number goes in "to"; a business-scoped user id ("TR.1234…") in "recipient".
        body["to" if recipient.isdigit() else "recipient"] = recipient
        once = partial(self._post, body)
        if gate is not None:
            once = partial(self._through, gate, once)
        return await self.retry.run(once, "whatsapp send", f"whatsapp:{recipient}")

    @staticmethod
    async def _through(gate: Gate, post: Callable[[int], Awaitable[str]], attempt: int) -> str:
        return await gate(partial(post, attempt))

    async def _post(self, body: dict[str, Any], attempt: int) -> str:
        """One try: the wamid, or the failure as a WhatsAppError the policy judges."""
        try:
            response = await self._client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            raise SendFailed(None, type(exc).__name__) from exc
        if response.status_code < 300:
            return _wamid(response)
        code, title = _error_of(response)
        raise self._classify(response.status_code, code, title, attempt)

    def _classify(self, status: int, code: int | None, title: str, attempt: int) -> WhatsAppError:
        """The error for a refused try; a throttle's wait grows with `attempt`."""
        if code == WINDOW_CLOSED:
            return WindowClosed(code, title)
        if code in UNREACHABLE_CODES:
            return Unreachable(code, title)
        if code in THROTTLE_CODES:
            base = self.retry.pair if code == PAIR_RATE else self.retry.throttle
            if code == SPAM_RATE:
                base = max(base, 60.0)
            return Throttled(code, title, self.retry.pause(base, attempt))
        if status >= 500 or code in RETRY_CODES:
            return SendFailed(code, title)
        if status in (401, 403) or code == 190:
            log.error("whatsapp refused our access token (code %s): check MF_WHATSAPP_TOKEN", code)
        return Refused(code, title)  # a refused message does not get better by waiting


def _wamid(response: httpx.Response) -> str:
    try:
        return str(response.json()["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise Refused(None, "answer without a message id") from exc


def _error_of(response: httpx.Response) -> tuple[int | None, str]:
    """Graph's error code and a short title from an error answer."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return None, f"HTTP {response.status_code}"
    code = as_int(error.get("code"))
    details = (error.get("error_data") or {}).get("details")
    return code, str(details or error.get("message") or f"HTTP {response.status_code}")[:300]
