"""Where a user is in the conversation: the journey's state, its answers, and what the engine
itself must remember between turns, as typed fields rather than magic keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from core.messages import Button, Role


class Offer(NamedTuple):
    """One button offered last: what pressing it sends, its label and its role.

    Stored as a JSON list `[data, label, role]`; rows written before labels were kept hold the
    payload alone and still read (typing the number works for them, the label does not)."""

    data: str
    label: str = ""
    role: Role | None = None

    @classmethod
    def of(cls, button: Button) -> Offer:
        return cls(button.data, button.label, button.role)

    @classmethod
    def read(cls, stored: object) -> Offer:
        """An offer from what storage kept: an Offer, a `[data, label, role]` list or a payload."""
        if isinstance(stored, Offer):
            return stored
        if isinstance(stored, list | tuple) and stored:
            data, label, role = (*stored, "", None)[:3]
            return cls(str(data), str(label or ""), _ROLES.get(role))
        return cls(str(stored))


_ROLES: dict[object, Role] = {r.value: r for r in Role}


TOPIC_TTL = timedelta(minutes=30)  # a topic is forgotten after this long without a message
TOPIC_REFRESH = timedelta(minutes=10)  # a topic in use is re-stamped at most this often


@dataclass(frozen=True, slots=True)
class Topic:
    """What the conversation is about: the course in focus, so follow-ups resolve against it."""

    at: datetime  # when it was set or last used (re-stamped at most every TOPIC_REFRESH)
    branch: str | None = None
    course: str | None = None  # the offering last shown alone or chosen
    centre: str | None = None
    district: str | None = None
    time_of_day: str | None = None  # morning | afternoon | evening
    weekend: bool | None = None
    choices: tuple[str, ...] = ()  # branches just offered as "which one?" (no branch chosen)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at.isoformat()}
        for name in ("branch", "course", "centre", "district", "time_of_day", "weekend"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.choices:
            out["choices"] = list(self.choices)
        return out

    @classmethod
    def from_json(cls, raw: object) -> Topic | None:
        """A stored topic; None for anything malformed."""
        if not isinstance(raw, dict) or not isinstance(raw.get("at"), str):
            return None
        try:
            at = datetime.fromisoformat(raw["at"])
        except ValueError:
            return None
        texts = {k: raw.get(k) for k in ("branch", "course", "centre", "district", "time_of_day")}
        if not all(v is None or isinstance(v, str) for v in texts.values()):
            return None
        weekend = raw.get("weekend")
        choices = raw.get("choices")
        listed = choices if isinstance(choices, list) else []
        return cls(
            at=at,
            weekend=weekend if isinstance(weekend, bool) else None,
            choices=tuple(c for c in listed if isinstance(c, str))[:10],
            **texts,
        )

    def fresh(self, now: datetime) -> bool:
        return now - self.at <= TOPIC_TTL


@dataclass
class Conversation:
    """Where the user is in a journey; saved by the engine on every turn that changes it."""

    state: str | None = None  # readable, e.g. "apply:ask_name"
    data: dict[str, Any] = field(default_factory=dict)  # the journey's own answers
    token: str = ""  # changes with every state change; form buttons carry it
    failures: int = 0
    updated_at: datetime | None = None
    # The buttons offered last, so typing "2", a label or "evet" presses one of them.
    offered: tuple[Offer, ...] = ()
    # A "leave the form?" question is pending (its buttons carry the token).
    leaving: bool = False
    # The topic in focus (a course, a centre): stored, so it survives a restart.
    topic: Topic | None = None
    # The inbox thread a person answers (a handoff): while set, the assistant does not reply
    # itself. Kept across journeys (`clear` leaves it), until the thread is closed or left.
    handoff: int | None = None
    # The user's data was just erased: the engine must not write this conversation again.
    erased: bool = False
    # What was read from storage, so an unchanged conversation is not written back.
    loaded: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.offered = tuple(Offer.read(o) for o in self.offered)

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


@dataclass(frozen=True, slots=True)
class Said:
    """One line of a user's recent conversation, kept in memory a short while (every digit
    masked) for the staff who take it over: what the user wrote (`by_user`) or was answered."""

    at: datetime
    by_user: bool
    text: str
