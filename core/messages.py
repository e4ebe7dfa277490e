"""What channels hand to the engine (`Incoming`) and what the engine hands back (`Reply`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from core.actions import LEGACY

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit
_SEP = "|"


class Kind(StrEnum):
    TEXT = "text"
    BUTTON = "button"
    LOCATION = "location"
    CONTACT = "contact"
    MEDIA = "media"  # voice, photo, sticker, file: things the assistant cannot read


@dataclass(frozen=True, slots=True)
class Payload:
    """A typed button payload: an action and its arguments, encoded within 64 bytes."""

    action: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        raw = _SEP.join((self.action, *self.args))
        if len(raw.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload over {MAX_PAYLOAD_BYTES} bytes: {raw!r}")
        return raw

    @classmethod
    def decode(cls, raw: str) -> Payload | None:
        """Parses a payload; None for anything malformed (forged or from an old version)."""
        if not raw or len(raw.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            return None
        action, *args = raw.split(_SEP)
        if not action.replace("_", "").isalnum():
            return None
        return cls(LEGACY.get(action, action), tuple(args))


class Role(StrEnum):
    """What an offered button means beyond its label, so a typed answer can press it."""

    YES = "yes"  # the "yes" answer of a yes/no question (consent, send, confirm, erase...)
    NO = "no"  # the "no" answer of a yes/no question
    MORE = "more"  # the next page of a list


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str
    role: Role | None = None

    @classmethod
    def of(cls, label: str, action: str, *args: str, role: Role | None = None) -> Button:
        return cls(label, Payload(action, args).encode(), role)


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float
    title: str
    address: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to show. Reads well as plain text; buttons are an upgrade on top."""

    text: str
    buttons: tuple[Button, ...] = ()
    location: Location | None = None
    ask: Literal["location", "contact"] | None = None
    replace_previous: bool = False  # paging: a channel that can edit the last message may
    locale: str = ""  # the language the text is in (set by the engine): channels' own labels


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a user did, whatever the channel."""

    user: str  # "<channel>:<id>"
    kind: Kind = Kind.TEXT
    text: str = ""
    data: str = ""  # button payload, for Kind.BUTTON
    lat: float | None = None
    lon: float | None = None
    phone: str | None = None  # shared contact, for Kind.CONTACT
    phone_is_own: bool = False  # the contact is the sender's own number
    message_id: str | None = None  # the channel's id, to drop redeliveries
    locale_hint: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def channel(self) -> str:
        return self.user.partition(":")[0]
