"""One outgoing budget per platform account, shared by replies and pushes (replies first).

A platform limits what one account sends: Telegram a bot (about 30 messages/s overall, 1/s per
chat), WhatsApp a phone number (80 messages/s by default, a pair rate per user). Everything that
account sends — the replies of the channel and the outbox's pushes — takes its slots from one
budget: `slot(account, chat, priority)`, held while the request is out. Replies go first and go
back to back; pushes also keep each chat's pace (`bot/ratelimit.py`).

`Budget` is what the program uses: `LocalBudget` keeps one `RateLimiter` per account in this
process (one instance, SQLite); `bot/budget_shared.py SharedBudget` keeps the accounts' grids in
PostgreSQL or Redis for several instances. The composition root picks one (`bot/app.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from bot.ratelimit import Priority, RateLimiter
from bot.settings import Settings

__all__ = [
    "AccountBudget",
    "Budget",
    "Budgets",
    "BoundBudget",
    "LocalBudget",
    "Priority",
    "account_of",
    "channel_rates",
    "rates_for",
]

# WhatsApp's pair rate: about one message per user every 6 seconds (error 131056 beyond it).
WHATSAPP_PAIR_SECONDS = 6.0


class Budget(Protocol):
    """The outgoing budgets of platform accounts ("telegram:<bot id>", "whatsapp:<number id>")."""

    def slot(
        self, account: str, chat: str, priority: Priority
    ) -> AbstractAsyncContextManager[None]:
        """Waits for a slot of `account` to send one request to `chat`; the block makes the
        request and leaving it means the answer came back."""
        ...

    async def chat_ready(self, account: str, chat: str) -> None:
        """Waits, taking nothing, until a push to `chat` could be given a slot right away."""
        ...

    def pause(self, account: str, seconds: float) -> None:
        """The platform asked `account` to wait (a 429, error 130429): nobody sends before then."""
        ...


class Budgets(Budget, Protocol):
    """The budgets of every account, as the composition root owns them."""

    def account(self, account: str) -> BoundBudget:
        """This account's budget, for a channel and the outbox."""
        ...

    async def close(self) -> None:
        """Stops what runs in the background and lets go of the store."""
        ...


class AccountBudget(Protocol):
    """One account's budget, as a channel and the outbox use it (a `RateLimiter` is one)."""

    def slot(
        self, chat: str, priority: Priority = Priority.PUSH
    ) -> AbstractAsyncContextManager[None]: ...

    async def chat_ready(self, chat: str) -> None: ...

    def pause(self, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class BoundBudget:
    """A `Budget` seen by one account."""

    budget: Budget
    account: str

    def slot(
        self, chat: str, priority: Priority = Priority.PUSH
    ) -> AbstractAsyncContextManager[None]:
        return self.budget.slot(self.account, chat, priority)

    async def chat_ready(self, chat: str) -> None:
        await self.budget.chat_ready(self.account, chat)

    def pause(self, seconds: float) -> None:
        self.budget.pause(self.account, seconds)


def channel_rates(settings: Settings) -> dict[str, tuple[float, float]]:
    """Each channel's budget per account: requests a second overall, and seconds between two
    pushes to one chat."""
    return {
        "telegram": (settings.telegram_max_rate, 1.0),
        "whatsapp": (settings.whatsapp_max_rate, WHATSAPP_PAIR_SECONDS),
    }


def account_of(settings: Settings, channel: str) -> str:
    """The platform account a channel sends from: the bot (its id, the token's first part) or
    the WhatsApp phone number id."""
    if channel == "telegram":
        token = settings.telegram_token
        bot = token.get_secret_value().partition(":")[0] if token is not None else ""
        return f"telegram:{bot or '-'}"
    if channel == "whatsapp":
        return f"whatsapp:{settings.whatsapp_phone_number_id or '-'}"
    return channel


def rates_for(rates: Mapping[str, tuple[float, float]], account: str) -> tuple[float, float]:
    """The rates of `account` ("<channel>:<id>"): its channel's."""
    channel = account.partition(":")[0]
    if channel not in rates:
        raise KeyError(f"no rate configured for {channel!r} accounts")
    return rates[channel]


class LocalBudget:
    """The budgets of this process: one `RateLimiter` per account, made on first use with its
    channel's rates (the account's prefix names the channel)."""

    def __init__(self, rates: Mapping[str, tuple[float, float]]) -> None:
        self._rates = dict(rates)
        self._limiters: dict[str, RateLimiter] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBudget:
        return cls(channel_rates(settings))

    def limiter(self, account: str) -> RateLimiter:
        limiter = self._limiters.get(account)
        if limiter is None:
            rate, per_chat = rates_for(self._rates, account)
            limiter = self._limiters[account] = RateLimiter(rate, per_chat=per_chat)
        return limiter

    def account(self, account: str) -> BoundBudget:
        """This account's budget, for a channel and the outbox."""
        return BoundBudget(self, account)

    def slot(
        self, account: str, chat: str, priority: Priority
    ) -> AbstractAsyncContextManager[None]:
        return self.limiter(account).slot(chat, priority)

    async def chat_ready(self, account: str, chat: str) -> None:
        await self.limiter(account).chat_ready(chat)

    def pause(self, account: str, seconds: float) -> None:
        self.limiter(account).pause(seconds)

    async def close(self) -> None:
        """Nothing runs in the background here."""
