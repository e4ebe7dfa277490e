"""One retry policy for outgoing platform calls: which failures are tried again, how long to wait.

Each channel turns a platform's answer into a `core.delivery` error; the policy decides from the
error alone. A platform's "wait N seconds" (`RetryLater`) is waited out when it is short enough;
network trouble and server errors (`TransientError`) back off exponentially; a block, a refused
message or an answer that cannot be read (`Blocked`, `Rejected`, `Unretried`) is raised at once.

Only a call the caller waits for is tried again in place (a reply to a user, a WhatsApp message).
A Telegram push goes out `ONCE`: its 429 must reach the outbox, whose rate limiter then holds
every sender back (`RateLimiter.pause`). The outbox's own re-queue of a push that failed for now
is durable, across dispatch runs, and follows `REQUEUE`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from core.checks import mask_user
from core.delivery import DeliveryError, RetryLater, TransientError

log = logging.getLogger(__name__)

T = TypeVar("T")


class Unretried(TransientError):
    """A failure for now that one call does not repeat (a refusal, an answer we cannot read):
    another try at once would not help, or could send twice. The outbox may queue it again."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often an outgoing call is tried and how long to wait between tries."""

    attempts: int = 4  # tries in all, the first one included
    backoff: float = 0.5  # network errors and 5xx: wait 0.5, 1, 2 s…
    max_wait: float = 60.0  # the longest wait in place; a platform asking for more is raised
    throttle: float = 1.0  # throttled without being told how long: 1, 2, 4 s… (to max_wait)
    pair: float = 6.0  # one user got too many messages (WhatsApp's pair rate): 6, 12 s…
    jitter: float = 0.0  # each wait is scaled by a random factor within 1 ± jitter

    def backoff_after(self, attempt: int) -> float | None:
        """The back-off after failed try `attempt` (0 is the first), or None when none is left."""
        if attempt + 1 >= self.attempts:
            return None
        return min(self.backoff * 2.0**attempt, self.max_wait)

    def pause(self, base: float, attempt: int) -> float:
        """A throttling pause the platform left to us: `base`, doubled on every try, capped."""
        return min(base * 2.0**attempt, self.max_wait)

    def delay(self, error: BaseException, attempt: int) -> float | None:
        """Seconds to wait before trying again after `error` on try `attempt`, or None: raise."""
        if isinstance(error, RetryLater):
            if attempt + 1 >= self.attempts or error.seconds > self.max_wait:
                return None
            return error.seconds
        if isinstance(error, TransientError) and not isinstance(error, Unretried):
            return self.backoff_after(attempt)
        return None

    async def run(
        self,
        once: Callable[[int], Awaitable[T]],
        what: str,
        user: str = "",
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> T:
        """Calls `once(attempt)` until it returns or `delay` says stop; then raises its error."""
        attempt = 0
        while True:
            try:
                return await once(attempt)
            except DeliveryError as error:
                wait = self.delay(error, attempt)
                if wait is None:
                    raise
                if self.jitter:  # many callers throttled together must not come back together
                    wait *= random.uniform(1.0 - self.jitter, 1.0 + self.jitter)  # noqa: S311
                who = f" to {mask_user(user)}" if user else ""
                log.info("%s%s: %s; trying again in %.1f s", what, who, error, wait)
            await sleep(wait)
            attempt += 1


# Telegram names its wait (retry_after); more than a minute is left to the caller.
TELEGRAM = RetryPolicy()
# WhatsApp throttles by error code without a wait: our own pauses, capped at 30 s.
WHATSAPP = RetryPolicy(max_wait=30.0, jitter=0.1)
# One try, nothing repeated in place (a Telegram push: the outbox decides).
ONCE = RetryPolicy(attempts=1)
# The outbox puts a push that failed for now back in the queue: due again after 10, 20, 40,
# 80 s, and marked failed after its fifth delivery.
REQUEUE = RetryPolicy(attempts=5, backoff=10.0, max_wait=600.0)
