"""Getting messages to Telegram: the bot's budget, per-chat pacing, retries, failures as
`core.delivery` errors."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar, cast

from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.budget import AccountBudget, Priority
from bot.channels.telegram_convert import user_key
from bot.channels.telegram_render import Op
from bot.metrics import Metrics
from bot.ratelimit import FORGET_EVERY
from bot.retry import ONCE, TELEGRAM, RetryPolicy, Unretried
from core.delivery import Blocked, Parts, Rejected, RetryLater, TransientError

log = logging.getLogger(__name__)

T = TypeVar("T")
CHANNEL = "telegram"
# sendMessage through `Bot.do_api_request`, which camel-cases the endpoint and warns when it
# names one of Bot's own methods ("sendMessage", "send_message"): this spelling is neither.
SEND_MESSAGE = "send_Message"

# Set while the outbox sends one push (`slot_per_call`): each Bot API call of that push is made
# through it, so the bot's budget hands out one push slot per request, at the last moment
# before it leaves, and learns when its answer came back. Without it a message is a reply.
CallGate = Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]
call_gate: ContextVar[CallGate | None] = ContextVar("call_gate", default=None)


@contextmanager
def slot_per_call(budget: AccountBudget, chat: str) -> Iterator[None]:
    """Inside: every Bot API call takes a push slot of `budget` just before its request leaves."""
    token = call_gate.set(partial(_through, budget, chat))
    try:
        yield
    finally:
        call_gate.reset(token)


async def _through(budget: AccountBudget, chat: str, request: Callable[[], Awaitable[T]]) -> T:
    async with budget.slot(chat, Priority.PUSH):
        return await request()


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, as seconds, whichever form PTB gives it in."""
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after becomes a timedelta; both forms are handled here.
        warnings.simplefilter("ignore", DeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ChatPacer:
    """Keeps each chat near Telegram's 1 message/s: a short burst, then one per interval."""

    def __init__(
        self,
        burst: int = 3,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.interval = interval
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._next_sweep = 0.0

    def reserve(self, chat_id: int) -> float:
        """Takes one slot for this chat; returns how long to wait before using it."""
        now = self._clock()
        tokens, at = self._buckets.get(chat_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) / self.interval) - 1.0
        self._buckets[chat_id] = (tokens, now)
        if now >= self._next_sweep:
            self._forget_idle(now)
        return 0.0 if tokens >= 0 else -tokens * self.interval

    async def wait(self, chat_id: int) -> None:
        delay = self.reserve(chat_id)
        if delay > 0:
            await asyncio.sleep(delay)

    def _forget_idle(self, now: float) -> None:
        """Forgets the chats whose bucket is full again (every FORGET_EVERY seconds)."""
        self._next_sweep = now + FORGET_EVERY
        full = now - self.burst * self.interval
        for chat, (_tokens, at) in list(self._buckets.items()):
            if at < full:
                del self._buckets[chat]


class Courier:
    """Makes one Bot API call for a chat, paced; retries or raises a `core.delivery` error.

    A message (a paced call) takes a slot of the bot's `budget`: a push slot inside
    `slot_per_call`, else a reply's, which goes before every push still waiting. A 429 pauses
    the budget: nobody sends before Telegram's retry_after is over."""

    def __init__(
        self,
        pacer: ChatPacer,
        metrics: Metrics,
        on_blocked: Callable[[int], Awaitable[None]],
        *,
        retry: RetryPolicy = TELEGRAM,
        budget: AccountBudget | None = None,
    ) -> None:
        self.pacer = pacer
        self._metrics = metrics
        self._on_blocked = on_blocked
        self.retry = retry
        self.budget = budget

    def _error(self, kind: str) -> None:
        self._metrics.errors.inc(channel=CHANNEL, kind=kind)

    async def call(
        self,
        chat_id: int,
        request: Callable[[], Awaitable[T]],
        *,
        patient: bool,
        paced: bool = True,
    ) -> T:
        """Runs `request`; a patient call waits out 429s and network trouble, others raise."""
        policy = self.retry if patient else ONCE
        return await policy.run(partial(self._once, chat_id, request, paced), "telegram")

    async def _once(
        self, chat_id: int, request: Callable[[], Awaitable[T]], paced: bool, _attempt: int
    ) -> T:
        """One try, paced for its chat: the answer, or the failure as a `core.delivery` error."""
        if paced:
            await self.pacer.wait(chat_id)
        gate = call_gate.get()
        try:
            if gate is not None:
                return cast(T, await gate(request))
            if paced and self.budget is not None:
                async with self.budget.slot(user_key(chat_id), Priority.REPLY):
                    return await request()
            return await request()
        except RetryAfter as exc:
            self._error("rate_limited")
            seconds = retry_seconds(exc)
            if self.budget is not None:
                self.budget.pause(seconds)
            raise RetryLater(seconds) from exc
        except Forbidden as exc:
            self._error("blocked")
            await self._on_blocked(chat_id)
            raise Blocked(exc.message) from exc
        except BadRequest as exc:  # a NetworkError subclass: must come first
            self._error("bad_request")
            raise Rejected(exc.message) from exc
        except NetworkError as exc:  # includes TimedOut
            self._error("network")
            raise TransientError(exc.message) from exc
        except TelegramError as exc:
            self._error("telegram")
            raise Unretried(exc.message) from exc


class Sender:
    """Carries out a turn's operations in order, each through the courier."""

    def __init__(self, bot: ExtBot[None], courier: Courier, metrics: Metrics) -> None:
        self._bot = bot
        self._courier = courier
        self._metrics = metrics

    async def perform(
        self,
        chat_id: int,
        ops: Sequence[Op],
        edit_target: int | None,
        *,
        patient: bool,
        parts: Parts | None = None,
    ) -> None:
        """Makes the calls in order; a patient caller skips a message Telegram refuses. With
        `parts` (a push), the first `parts.done` calls were made by an earlier attempt and are
        skipped, and each call Telegram accepts is counted there."""
        last_sent: int | None = None
        for index, op in enumerate(ops):
            if parts is not None and index < parts.done:
                continue
            try:
                sent = await self._one(chat_id, op, edit_target, last_sent, patient=patient)
            except Rejected as exc:
                if not patient:
                    raise
                log.warning("telegram: %s refused (%s); going on", op.action, exc)
                continue
            if isinstance(sent, Message):
                last_sent = sent.message_id
            elif isinstance(sent, int) and not isinstance(sent, bool):
                last_sent = sent
            if parts is not None:
                parts.done = index + 1
            self._metrics.messages_out.inc(channel=CHANNEL)

    async def _one(
        self, chat_id: int, op: Op, edit_target: int | None, last_sent: int | None, *, patient: bool
    ) -> Message | int | bool | None:
        """One operation; the message it sent (or its id), if any."""
        call = partial(self._courier.call, chat_id, patient=patient)
        send_text = partial(self._send_text, chat_id, op.text, op.markup)
        if op.action == "edit" and edit_target is not None:
            assert op.markup is None or isinstance(op.markup, InlineKeyboardMarkup)
            edit = partial(
                self._bot.edit_message_text,
                op.text,
                chat_id=chat_id,
                message_id=edit_target,
                reply_markup=op.markup,
            )
            try:
                await call(edit)
            except Rejected as exc:
                if "not modified" in str(exc):  # the same page again: nothing to change
                    return None
                log.info("telegram: edit refused (%s); sending instead", exc)
                return await call(send_text)
            return None
        if op.action in ("send", "edit"):
            return await call(send_text)
        if op.action == "set_buttons" and last_sent is not None:
            assert isinstance(op.markup, InlineKeyboardMarkup)
            set_buttons = partial(
                self._bot.edit_message_reply_markup,
                chat_id=chat_id,
                message_id=last_sent,
                reply_markup=op.markup,
            )
            return await call(set_buttons)
        if op.action == "place" and op.place is not None:
            return await call(partial(self._place, chat_id, op))
        return None

    async def _send_text(self, chat_id: int, text: str, markup: object) -> int:
        """sendMessage; the sent message's id. The answer is read as plain JSON: building a
        `Message` (and its keyboard) from it cost more CPU than the rest of the call, and only
        the id is used."""
        kwargs: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if markup is not None:
            kwargs["reply_markup"] = markup
        sent = await self._bot.do_api_request(SEND_MESSAGE, api_kwargs=kwargs)
        return int(sent["message_id"])

    async def _place(self, chat_id: int, op: Op) -> Message:
        assert op.place is not None
        place = op.place
        if place.address:
            return await self._bot.send_venue(
                chat_id, place.lat, place.lon, place.title, place.address, reply_markup=op.markup
            )
        return await self._bot.send_location(chat_id, place.lat, place.lon, reply_markup=op.markup)
