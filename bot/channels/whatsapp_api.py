"""The Cloud API sender: one httpx client, retries with back-off, throttling honoured.

Errors are classified by Graph's error `code` (not by HTTP status): 130429 (throughput) and
131056 (pair rate: one user, too often) are waited out and retried, the latter longer;
network errors and 5xx are retried with exponential back-off. What is still failing after
the retries is raised as a `core.delivery` error, carrying Graph's code and title.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import random
import sys
from dataclasses import dataclass
from typing import Any

import httpx

from bot.channels.whatsapp_inbound import as_int
from core.checks import mask_user
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
    """Network trouble, a server error or a refused message, after the retries."""


class WindowClosed(SendFailed):
    """131047: outside the 24-hour window only a template may be sent."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait; tests shrink the delays."""

    attempts: int = 4
    backoff: float = 0.5  # network errors and 5xx: 0.5, 1, 2 s…
    throttle: float = 1.0  # 130429: 1, 2, 4 s…
    pair: float = 6.0  # 131056: WhatsApp allows about one message per 6 s to one user
    max_wait: float = 30.0


class GraphClient:
    """Posts messages to `{api_url}/{version}/{phone_number_id}/messages`."""

    def __init__(
        self,
        api_url: str,
        version: str,
        phone_number_id: str,
        token: str,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        max_connections: int = 16,
    ) -> None:
        self.url = f"{api_url.rstrip('/')}/{version.strip('/')}/{phone_number_id}/messages"
        self.retry = retry or RetryPolicy()
        self._client = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, recipient: str, message: dict[str, Any]) -> str:
        """Sends one message; returns its wamid or raises a WhatsAppError subclass."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **message}
        # A phone number goes in "to"; a business-scoped user id ("TR.1234…") in "recipient".
        body["to" if recipient.isdigit() else "recipient"] = recipient
        policy = self.retry
        last: WhatsAppError = SendFailed(None, "no attempt made")
        for attempt in range(policy.attempts):
            try:
                response = await self._client.post(self.url, json=body)
            except httpx.HTTPError as exc:
                last = SendFailed(None, type(exc).__name__)
                wait = policy.backoff * 2.0**attempt
            else:
                if response.status_code < 300:
                    return _wamid(response)
                code, title = _error_of(response)
                last, wait = self._classify(response.status_code, code, title, attempt)
            if attempt + 1 >= policy.attempts:
                break
            wait = min(wait, policy.max_wait) * random.uniform(0.9, 1.1)  # noqa: S311 - jitter
            log.info(
                "whatsapp send to %s: %s, retry in %.1fs",
                mask_user(f"whatsapp:{recipient}"),
                last,
                wait,
            )
            await asyncio.sleep(wait)
        raise last

    def _classify(
        self, status: int, code: int | None, title: str, attempt: int
    ) -> tuple[WhatsAppError, float]:
        """The error to raise if this was the last try, and how long to wait before the next."""
        if code == WINDOW_CLOSED:
            raise WindowClosed(code, title)
        if code in UNREACHABLE_CODES:
            raise Unreachable(code, title)
        if code in THROTTLE_CODES:
            wait = self._pause(code, attempt)
            return Throttled(code, title, wait), wait
        if status >= 500 or code in RETRY_CODES:
            return SendFailed(code, title), self.retry.backoff * 2.0**attempt
        if status in (401, 403) or code == 190:
            log.error("whatsapp refused our access token (code %s): check MF_WHATSAPP_TOKEN", code)
        raise SendFailed(code, title)  # a refused message does not get better by waiting

    def _pause(self, code: int | None, attempt: int) -> float:
        base = self.retry.pair if code == PAIR_RATE else self.retry.throttle
        if code == SPAM_RATE:
            base = max(base, 60.0)
        return min(base * 2.0**attempt, self.retry.max_wait)


def _wamid(response: httpx.Response) -> str:
    try:
        return str(response.json()["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise SendFailed(None, "answer without a message id") from exc


def _error_of(response: httpx.Response) -> tuple[int | None, str]:
    """Graph's error code and a short title from an error answer."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return None, f"HTTP {response.status_code}"
    code = as_int(error.get("code"))
    details = (error.get("error_data") or {}).get("details")
    return code, str(details or error.get("message") or f"HTTP {response.status_code}")[:300]
