"""The handler side of the engine: context, conversation state and the journey router."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.channel import Capabilities
from core.checks import normalise_phone
from core.conversation import Conversation, Said
from core.intents import Intent
from core.messages import Incoming, Payload, Reply
from core.ports import Store
from handlers.catalog_view import CatalogView
from locales import Translator
from nlu.understand import Understanding

PLAIN = Capabilities(buttons_per_message=100)  # numbered text options only


@dataclass
class Context:
    """Everything a handler needs for one turn; nothing here sends or touches the network."""

    incoming: Incoming
    locale: str
    now: datetime  # aware
    tz: ZoneInfo
    catalog: CatalogView
    conv: Conversation
    store: Store
    translator: Translator
    capabilities: Capabilities = PLAIN  # what the user's channel can show and ask for
    max_active: int = 2  # active applications one person may hold
    reminder_kinds: tuple[str, ...] = ()  # configured reminders: "eve1800", "m120"
    # Set by a handler whose answer did not answer: "fallback", "no_course", "repeated" or
    # "handoff". The router records the text for staff ("what the assistant could not answer").
    unanswered: str | None = None
    asked_again: bool = False  # the same text as the user's previous message (the engine)
    # The user's last lines and answers, digits masked (the engine's memory, within the hour):
    # what staff see before a handoff.
    said: tuple[Said, ...] = ()
    locale_chosen: bool = False  # the user's row keeps a language (chosen or written in)
    locale_changed: bool = False  # this turn stored a new language (the engine's cache follows)
    _understanding: Understanding | None = None

    @property
    def user(self) -> str:
        return self.incoming.user

    @property
    def channel(self) -> str:
        return self.incoming.channel

    def own_phone(self) -> str | None:
        """The user's own number when the channel's user id is one (E.164), else None."""
        if not self.capabilities.sender_phone_known:
            return None
        ident = self.user.partition(":")[2]
        return normalise_phone("+" + ident) if ident.isdigit() else None

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    async def switch_locale(self, locale: str) -> None:
        """Speaks `locale` from this reply on, and keeps it on the user for later turns."""
        await self.store.set_locale(self.user, locale)
        self.locale, self.locale_chosen, self.locale_changed = locale, True, True

    def t(self, key: str, /, **values: object) -> str:
        """The sentence `key` in the user's language."""
        return self.translator(key, self.locale, **values)

    @property
    def understanding(self) -> Understanding:
        """What the text of this message means (computed once, on demand)."""
        if self._understanding is None:
            # Words typed into a form (a name, an answer) are never remembered.
            remember = not self.conv.state
            self._understanding = self.catalog.understand(
                self.incoming.text, remember=remember, locale=self.locale
            )
        return self._understanding


K = TypeVar("K")
V = TypeVar("V")

IntentHandler = Callable[[Context, Understanding], Awaitable[list[Reply]]]
ButtonHandler = Callable[[Context, Payload], Awaitable[list[Reply]]]
# Returns None when the message is not an answer to the pending question at all.
StateHandler = Callable[[Context], Awaitable[list[Reply] | None]]
RepromptHandler = Callable[[Context], Awaitable[list[Reply]]]


class DuplicateRoute(Exception):
    """Two handlers were registered for one intent, button action or journey."""


class Router:
    """One journey's entry points: intents, button actions, and the states it owns."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.intents: dict[Intent, IntentHandler] = {}
        self.buttons: dict[str, ButtonHandler] = {}
        self.state_handler: StateHandler | None = None
        self.reprompt_handler: RepromptHandler | None = None
        self.back_handler: RepromptHandler | None = None

    def intent(self, *intents: Intent) -> Callable[[IntentHandler], IntentHandler]:
        def register(fn: IntentHandler) -> IntentHandler:
            for intent in intents:
                _add(self.intents, Intent(intent), fn, f"{self.name}: intent")
            return fn

        return register

    def button(self, *actions: str) -> Callable[[ButtonHandler], ButtonHandler]:
        def register(fn: ButtonHandler) -> ButtonHandler:
            for action in actions:
                _add(self.buttons, action, fn, f"{self.name}: button action")
            return fn

        return register

    def on_state(self, fn: StateHandler) -> StateHandler:
        """Handles a message while the conversation is in one of this journey's states."""
        self.state_handler = fn
        return fn

    def on_reprompt(self, fn: RepromptHandler) -> RepromptHandler:
        """Asks the pending question again (after an interruption)."""
        self.reprompt_handler = fn
        return fn

    def on_back(self, fn: RepromptHandler) -> RepromptHandler:
        """Steps back one question ("geri")."""
        self.back_handler = fn
        return fn


def _add(table: dict[K, V], key: K, value: V, what: str) -> None:
    if key in table:
        raise DuplicateRoute(f"{what} {key!r} registered twice")
    table[key] = value


@dataclass(frozen=True)
class Routes:
    """Every journey's entry points in one table, built once at start.

    Registering one intent, button action or journey name twice is an error at start, never a
    silent winner.
    """

    intents: dict[Intent, IntentHandler]
    buttons: dict[str, ButtonHandler]
    journeys: dict[str, Router]

    @classmethod
    def of(cls, routers: list[Router]) -> Routes:
        intents: dict[Intent, IntentHandler] = {}
        buttons: dict[str, ButtonHandler] = {}
        journeys: dict[str, Router] = {}
        for router in routers:
            _add(journeys, router.name, router, "journey")
            for intent, on_intent in router.intents.items():
                _add(intents, intent, on_intent, f"{router.name}: intent")
            for action, on_button in router.buttons.items():
                _add(buttons, action, on_button, f"{router.name}: button action")
        return cls(intents, buttons, journeys)
