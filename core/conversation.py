"""Where a user is in the conversation: the journey's state, its answers, and what the engine
itself must remember between turns, as typed fields rather than magic keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Conversation:
    """Where the user is in a journey; saved by the engine on every turn that changes it."""

    state: str | None = None  # readable, e.g. "apply:ask_name"
    data: dict[str, Any] = field(default_factory=dict)  # the journey's own answers
    token: str = ""  # changes with every state change; form buttons carry it
    failures: int = 0
    updated_at: datetime | None = None
    # The payloads of the buttons offered last, so typing "2" presses the second one.
    offered: tuple[str, ...] = ()
    # A "leave the form?" question is pending (its buttons carry the token).
    leaving: bool = False
    # The user's data was just erased: the engine must not write this conversation again.
    erased: bool = False
    # What was read from storage, so an unchanged conversation is not written back.
    loaded: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def go(self, state: str, **data: Any) -> None:
        """Moves to `state`, merging `data` into what the journey has gathered."""
        self.state = state
        self.data.update(data)
        self.token = secrets.token_hex(3)
        self.failures = 0
        self.leaving = False

    def clear(self) -> None:
        """Leaves any journey, forgetting its answers."""
        self.state = None
        self.data = {}
        self.token = ""
        self.failures = 0
        self.leaving = False

    @property
    def journey(self) -> str | None:
        return self.state.partition(":")[0] if self.state else None
