"""Telegram updates kept before Telegram hears they arrived (`storage.telegram_store`).

`KeptUpdates` is PTB's update queue: an update put in it is stored (group-committed with the
others arriving meanwhile) and handed at its commit to the channel (`stored`), which queues it
by user. The webhook waits for that
commit before it answers 200 (`keep`). Polling confirms a batch of updates by asking for the
next ones, so the getUpdates connection (`KeepFirst`) asks only once every update put so far is
stored — retrying while the database fails, never confirming what it could not keep — which
costs one commit per batch of updates, not one per update. An update is kept as Telegram sent
it (the webhook's body, the getUpdates answer's entry): rebuilding its JSON from PTB's objects
costs ~0.2 ms of CPU each, ahead of every turn of a burst.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest

from bot.channels.telegram_convert import user_key
from storage.telegram_store import NOBODY, Kept, Stored, TelegramStore

log = logging.getLogger(__name__)

RETRY_STORE = 1.0  # seconds between tries to store updates while the database fails


class KeptUpdates(asyncio.Queue[object]):
    """PTB's update queue; an update is handed on only once it is stored (`stored` hears what
    storing it did: an update delivered again is neither stored nor handled twice)."""

    def __init__(
        self,
        store: TelegramStore,
        clock: Callable[[], datetime],
        stored: Callable[[Update, Stored], None],
    ) -> None:
        super().__init__()
        self._store = store
        self._clock = clock
        self._stored = stored
        # Polled updates (and their JSON) whose commit was not seen yet.
        self._storing: dict[asyncio.Future[Any], tuple[Update, str]] = {}
        self._sent: dict[int, str] = {}  # update id → its JSON as the last getUpdates gave it

    async def put(self, item: object) -> None:
        """Polling (PTB's Updater) puts each update of a batch here: stored in the background,
        awaited by `stored` before the next getUpdates. Anything else is queued as it is."""
        if isinstance(item, Update):
            sent = self._sent.pop(item.update_id, None) or _dump(item)
            self._storing[self._keep(item, sent)] = (item, sent)
        else:
            await super().put(item)

    async def keep(self, update: Update, sent: str) -> None:
        """Stores an update (`sent`: its JSON) and queues it if it is new; returns at its commit
        (the webhook)."""
        await asyncio.shield(self._keep(update, sent))

    def polled(self, answer: bytes) -> None:
        """Notes the updates of a getUpdates answer as Telegram sent them."""
        try:
            result = json.loads(answer).get("result")
        except (ValueError, AttributeError):
            return  # PTB reports what it cannot read; the update is kept from its objects
        if isinstance(result, list):
            self._sent = {
                u["update_id"]: json.dumps(u, ensure_ascii=False, separators=(",", ":"))
                for u in result
                if isinstance(u, dict) and isinstance(u.get("update_id"), int)
            }

    async def stored(self) -> None:
        """Waits until every update put so far is stored, trying again those that failed."""
        while self._storing:
            waiting = dict(self._storing)
            results = await asyncio.gather(*waiting, return_exceptions=True)
            failed = []
            for (future, polled), result in zip(waiting.items(), results, strict=True):
                del self._storing[future]
                if isinstance(result, Exception):
                    failed.append(polled)
            if failed:
                log.warning("telegram: %d updates not stored; trying again", len(failed))
                await asyncio.sleep(RETRY_STORE)
                for update, sent in failed:
                    self._storing[self._keep(update, sent)] = (update, sent)

    def _keep(self, update: Update, sent: str) -> asyncio.Future[Any]:
        kept = Kept(update.update_id, user_of(update), sent, self._clock())
        return self._store.keep(kept, after=lambda stored: self._stored(update, stored))


class KeepFirst(HTTPXRequest):
    """The getUpdates connection: asks Telegram for more (which confirms the last batch) only
    after `before` (every update of the last batch stored); hands each answer to `answered`."""

    __slots__ = ("_answered", "_before")

    def __init__(
        self,
        before: Callable[[], Awaitable[None]],
        answered: Callable[[bytes], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._before = before
        self._answered = answered

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self._before()
        code, answer = await super().do_request(*args, **kwargs)
        if code == 200:
            self._answered(answer)
        return code, answer


def load_update(kept: Kept, bot: Any) -> Update:
    """The update a kept row holds."""
    return Update.de_json(json.loads(kept.payload), bot)


def user_of(update: Update) -> str:
    user = update.effective_user
    return NOBODY if user is None else user_key(user.id)


def _dump(update: Update) -> str:
    return json.dumps(update.to_dict(), ensure_ascii=False, separators=(",", ":"))
