"""The conversation engine: lock → dedupe → load → route → save, one transaction per turn."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.routing import route
from core.channel import Capabilities
from core.checks import ascii_digits, clean_text, mask_user
from core.conversation import Conversation, Said
from core.messages import Incoming, Kind, Reply
from core.recent import Recent
from handlers.base import PLAIN, Context, Routes
from handlers.catalog_view import CatalogView
from locales import Translator
from storage.crypto import IdVault
from storage.db import Database, LazyWrite
from storage.repos import SqlStore
from storage.turn_log import TurnLog
from storage.unanswered import masked as digits_masked

log = logging.getLogger(__name__)

MAX_TEXT = 2000  # longer messages are cut before understanding; nobody types more
PROFILE_REFRESH = timedelta(seconds=60)  # how often a busy user's last-seen time is written
# A user's conversation is kept in memory while they write (the working set, not the history:
# core/recent.py): at most CACHE_USERS of them, each until CACHE_IDLE seconds without a message.
CACHE_USERS = 20_000
CACHE_IDLE = 15 * 60.0
# Recent message ids, to drop an immediate redelivery without a database trip. Older ones are
# found in the database: a cached user's row is read again at least every PROFILE_REFRESH.
SEEN_IDS = 50_000
SEEN_FOR = 10 * 60.0
REPEAT_WINDOW = timedelta(minutes=10)  # the same text again within this is "asked twice"
# What staff who take a conversation over see of it: the user's last SAID_KEPT lines and
# answers of the last SAID_FOR, every digit masked, in memory only (copied into the inbox
# thread when a handoff opens; with several instances, those this one answered).
SAID_KEPT = 10
SAID_FOR = timedelta(hours=1)
SAID_TEXT = 300  # characters kept of each line


class _Redelivered(Exception):
    """The message id was already recorded: the turn is rolled back and sends nothing new
    (what the first turn recorded it answered, when it kept that, is sent again)."""

    def __init__(self, recorded: str | None = None) -> None:
        super().__init__()
        self.recorded = recorded


# What a channel keeps of a turn's replies with its message id (sealed text), so a turn
# redelivered after a crash between its commit and its send is answered with them.
Record = Callable[[list[Reply]], str]


@dataclass(frozen=True, slots=True)
class Answer:
    """A turn's replies; for a redelivery, none, and what the first turn recorded (if kept)."""

    replies: list[Reply]
    recorded: str | None = None


@dataclass
class EngineConfig:
    tz: ZoneInfo
    default_locale: str
    max_active: int = 2
    reminder_kinds: tuple[str, ...] = ()  # MF_REMINDERS as kind codes: "eve1800", "m120"
    # What each channel can show, by the prefix of a user key.
    capabilities: Mapping[str, Capabilities] = field(default_factory=dict)


class _UserLocks:
    """One asyncio.Lock per user, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, user: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(user, asyncio.Lock())
        self._users[user] = self._users.get(user, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[user] -= 1
            if self._users[user] == 0:
                del self._users[user], self._locks[user]


class Engine:
    """Turns one Incoming into replies; channels only translate in and out."""

    def __init__(
        self,
        db: Database,
        catalog: CatalogView,
        translator: Translator,
        vault: IdVault,
        config: EngineConfig,
        routes: Routes,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.translator = translator
        self.vault = vault
        self.config = config
        self.routes = routes
        self.clock = clock
        self._locks = _UserLocks()
        # Write-through caches of what only this engine writes (under the user's lock). With
        # several instances sharing PostgreSQL another instance could write too: off there.
        self.cache_enabled = db.is_sqlite
        # user -> (the user's row as last read, the saved conversation)
        self._cache: Recent[str, tuple[dict[str, Any], Any]] = Recent(
            capacity=CACHE_USERS, idle=CACHE_IDLE
        )
        # The options offered last (for "type the number") live in the cache only, so a turn
        # that changes nothing else writes nothing.
        self._keep_offered = not self.cache_enabled
        self._seen: Recent[tuple[str, str], bool] = Recent(capacity=SEEN_IDS, idle=SEEN_FOR)
        # A digest of each user's last text and when (memory only), to notice a question
        # asked twice in a row: the first answer did not answer it.
        self._asked: Recent[str, tuple[bytes, datetime]] = Recent(
            capacity=CACHE_USERS, idle=REPEAT_WINDOW.total_seconds()
        )
        # Each user's last lines, for staff who take the conversation over (SAID_FOR).
        self._said: Recent[str, tuple[Said, ...]] = Recent(
            capacity=CACHE_USERS, idle=SAID_FOR.total_seconds()
        )
        # User rows, conversations and message ids of many turns, written together.
        self.turn_log = TurnLog(db)

    async def close(self) -> None:
        """Writes what is still buffered; call before the database is closed."""
        await self.turn_log.close()

    def set_catalog(self, catalog: CatalogView) -> None:
        """Swaps in a freshly loaded catalog; turns already running keep the old one."""
        self.catalog = catalog

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Handles one message of one user; messages of the same user run one at a time."""
        return (await self.answer(msg)).replies

    async def answer(self, msg: Incoming, record: Record | None = None) -> Answer:
        """Like `handle`; with `record`, what it makes of the replies is kept with the message
        id in the turn's own transaction, and a redelivered turn returns it as `recorded`."""
        # Every channel's text comes in here: cut to size, and stripped once of what could
        # mislead a terminal or a reader (escapes, controls, bidi overrides) before anything
        # understands or stores it.
        text = ascii_digits(clean_text(msg.text[:MAX_TEXT]))  # "٠٥٣٢" is a phone too
        if text != msg.text:
            msg = replace(msg, text=text)
        started = time.perf_counter()
        recorded: str | None = None
        async with self._locks.hold(msg.user):
            try:
                replies, outcome = await self._turn(msg, record)
            except _Redelivered as again:
                replies, outcome, recorded = [], "duplicate", again.recorded
            except Exception:
                log.exception("turn failed for %s", mask_user(msg.user))
                replies = [Reply(self.translator("engine.error", self.config.default_locale))]
                outcome = "error"
        log.info(
            "turn user=%s kind=%s outcome=%s replies=%d ms=%.1f",
            mask_user(msg.user),
            msg.kind,
            outcome,
            len(replies),
            (time.perf_counter() - started) * 1000,
        )
        return Answer(replies, recorded)

    async def _turn(self, msg: Incoming, record: Record | None) -> tuple[list[Reply], str]:
        now = self.clock()
        user = msg.user
        seen = (user, msg.message_id) if msg.message_id else None
        if seen is not None and seen in self._seen and record is None:
            return [], "duplicate"  # (a kept answer is looked up below)
        try:
            hit = self._cache.get(user)
            profile, cached = hit if hit is not None else (None, None)
            stored = None
            if profile is None or cached is None or now - profile["_touched"] > PROFILE_REFRESH:
                # The user's row created or refreshed and the conversation read, together with
                # other users' turns (storage/turn_log.py)
                message_id = seen[1] if seen is not None else None
                arrival = await self.turn_log.arrive(user, now, message_id, load=cached is None)
                if arrival.redelivered:  # recorded before this process remembers (a restart)
                    raise _Redelivered(arrival.recorded)
                profile = {**arrival.user, "_touched": now}
                stored = arrival.conversation
            async with AsyncExitStack() as stack:
                lazy = LazyWrite(self.db, stack)
                store = SqlStore(lazy, self.vault, now)
                conv = store.conversation_from(cached or stored) if cached or stored else None
                conv = conv or Conversation()
                in_form = conv.state is not None
                ctx = Context(
                    incoming=msg,
                    locale=_locale(profile.get("locale"), self.translator, self.config),
                    locale_chosen=profile.get("locale") in self.translator.locales,
                    now=now,
                    tz=self.config.tz,
                    catalog=self.catalog,
                    conv=conv,
                    store=store,
                    translator=self.translator,
                    capabilities=self.config.capabilities.get(msg.channel, PLAIN),
                    max_active=self.config.max_active,
                    reminder_kinds=self.config.reminder_kinds,
                    asked_again=self._asked_again(msg, now),
                    said=self._said_within(user, now),
                )
                replies = [replace(r, locale=ctx.locale) for r in await route(ctx, self.routes)]
                if ctx.locale_changed:
                    profile = {**profile, "locale": ctx.locale}
                kept = record(replies) if record is not None and seen is not None else None
                erased = conv.erased
                saved, changed = None, None
                if not erased:
                    saved, changed = store.conversation_to_save(
                        conv, keep_offered=self._keep_offered
                    )
                # The message id is recorded with what the turn changed, in one transaction, so
                # a redelivery that got this far (after a restart) changes nothing and sends
                # nothing. A turn whose handlers wrote (or read) the database does it in their
                # transaction, last, so the write lock is held briefly; after "verilerimi sil"
                # not even the id is kept.
                if erased:
                    self.turn_log.forget(user)  # under the erasing write transaction
                elif lazy.opened:
                    if changed is not None:
                        await store.write_conversation(user, changed)
                    if seen is not None and not await store.first_time(user, seen[1], kept):
                        raise _Redelivered(await self._recorded(seen, kept))
            # Otherwise the conversation and the id go to the turn log: committed together with
            # other turns' before the reply leaves; a turn that changed nothing leaves its id
            # to be written shortly after, unawaited.
            if not erased and not lazy.opened:
                if changed is not None:
                    message_id = seen[1] if seen is not None else None
                    if not await self.turn_log.finish(user, now, message_id, changed, kept):
                        raise _Redelivered(await self._recorded(seen, kept))
                elif seen is not None:
                    self.turn_log.seen(user, seen[1], now, kept)
        except _Redelivered:
            self._forget(user)
            raise
        except BaseException:
            self._forget(user)  # the transaction rolled back; the cache must not run ahead
            raise
        if seen is not None and not erased:
            self._seen.put(seen, True)
        if erased:  # after "verilerimi sil" nothing about the user is kept, here either
            self._forget(user)
            self._said.pop(user)
            self.catalog.forget_texts()  # (whoever wrote them)
            await self.db.checkpoint()  # ...nor in the pages the SQLite -wal still holds
        elif self.cache_enabled:
            self._cache.put(user, (profile, saved))
        if not erased and not in_form and conv.handoff is None:
            self._note_said(msg, replies, now)
        return replies, conv.state or "-"

    async def _recorded(self, seen: tuple[str, str] | None, kept: str | None) -> str | None:
        """What the first turn of a redelivered message recorded (looked up only when this
        turn would have kept its own)."""
        if seen is None or kept is None:
            return None
        return await self.turn_log.recorded(*seen)

    def _asked_again(self, msg: Incoming, now: datetime) -> bool:
        """Whether the user sent this very text as their previous message, a moment ago."""
        if msg.kind is not Kind.TEXT or not msg.text.strip():
            return False
        said = " ".join(msg.text.casefold().split()).encode("utf-8")
        digest = hashlib.blake2b(said, digest_size=8).digest()
        before = self._asked.pop(msg.user)
        self._asked.put(msg.user, (digest, now))
        return before is not None and before[0] == digest and now - before[1] <= REPEAT_WINDOW

    def _said_within(self, user: str, now: datetime) -> tuple[Said, ...]:
        """The user's lines kept from the last SAID_FOR."""
        return tuple(s for s in self._said.get(user) or () if now - s.at <= SAID_FOR)

    def _note_said(self, msg: Incoming, replies: list[Reply], now: datetime) -> None:
        """Keeps the turn's text and answers, every digit masked. What is typed into a form
        (a name, an address) is not kept: the turn is left out whenever a form was open, and
        from the moment a person has the conversation its lines go to the inbox instead."""
        lines = [Said(now, True, digits_masked(msg.text)[:SAID_TEXT])] if msg.text.strip() else []
        lines += [Said(now, False, digits_masked(r.text)[:SAID_TEXT]) for r in replies if r.text]
        if lines:
            kept = self._said_within(msg.user, now)
            self._said.put(msg.user, (*kept, *lines)[-SAID_KEPT:])

    def _forget(self, user: str) -> None:
        self._asked.pop(user)
        self._cache.pop(user)

    def forget_user(self, user: str) -> None:
        """Drops what the engine remembers of a user whose row was changed elsewhere (e.g.
        marked unreachable by a channel), so their next message reads the row again."""
        self._forget(user)


def _locale(stored: object, translator: Translator, config: EngineConfig) -> str:
    """The stored preference, else the default: a channel's hint only offers a switch
    (bot/routing.py), it never answers in a language the user did not write or choose."""
    if isinstance(stored, str) and stored in translator.locales:
        return stored
    return config.default_locale
