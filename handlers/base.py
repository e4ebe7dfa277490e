"""The handler side of the engine: context, conversation state and the journey router."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.conversation import Conversation
from core.messages import Incoming, Payload, Reply
from core.ports import Store
from handlers.catalog_view import CatalogView
from locales import Translator
from nlu.understand import Understanding, understand


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
    is_staff: bool = False
    max_active: int = 2  # active applications one person may hold
    reminder_kinds: tuple[str, ...] = ()  # configured reminders: "eve1800", "m120"
    _understanding: Understanding | None = None

    @property
    def user(self) -> str:
        return self.incoming.user

    @property
    def channel(self) -> str:
        return self.incoming.channel

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def t(self, key: str, /, **values: object) -> str:
        """The sentence `key` in the user's language."""
        return self.translator(key, self.locale, **values)

    @property
    def understanding(self) -> Understanding:
        """What the text of this message means (computed once, on demand)."""
        if self._understanding is None:
            self._understanding = understand(self.incoming.text, self.catalog.index)
        return self._understanding


IntentHandler = Callable[[Context, Understanding], Awaitable[list[Reply]]]
ButtonHandler = Callable[[Context, Payload], Awaitable[list[Reply]]]
# Returns None when the message is not an answer to the pending question at all.
StateHandler = Callable[[Context], Awaitable[list[Reply] | None]]
RepromptHandler = Callable[[Context], Awaitable[list[Reply]]]


class Router:
    """One journey's entry points: intents, button actions, and the states it owns."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.intents: dict[str, IntentHandler] = {}
        self.buttons: dict[str, ButtonHandler] = {}
        self.state_handler: StateHandler | None = None
        self.reprompt_handler: RepromptHandler | None = None
        self.back_handler: RepromptHandler | None = None

    def intent(self, *names: str) -> Callable[[IntentHandler], IntentHandler]:
        def register(fn: IntentHandler) -> IntentHandler:
            for n in names:
                self.intents[n] = fn
            return fn

        return register

    def button(self, *actions: str) -> Callable[[ButtonHandler], ButtonHandler]:
        def register(fn: ButtonHandler) -> ButtonHandler:
            for a in actions:
                self.buttons[a] = fn
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
