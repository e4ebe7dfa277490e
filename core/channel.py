"""What a channel can show and do, and the protocol every channel implements.

Handlers ask a channel's `Capabilities` instead of branching on its name; the composition
root, the outbox and the reminder service talk to channels only through `Channel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.messages import Reply


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What one channel can render and ask for."""

    buttons_per_message: int  # reply buttons one message can carry (0: numbered text only)
    list_rows: int = 0  # rows of a pick-one list (WhatsApp's list message); 0: no lists
    edits: bool = False  # can replace the last message in place (paging)
    location_request: bool = False  # can ask the user to share a location with one tap
    contact_request: bool = False  # can ask the user to share their own number with one tap
    sender_phone_known: bool = False  # the user's id is their own phone number
    text_limit: int = 4096  # characters one message may hold


class Channel(Protocol):
    """A running channel: translates its platform in and out, and delivers pushes."""

    name: str  # the prefix of its user keys: "telegram", "whatsapp", "console"
    capabilities: Capabilities

    async def start(self) -> None:
        """Starts receiving (polling, webhooks); returns once running."""
        ...

    async def stop(self) -> None:
        """Stops receiving and lets work in flight finish."""
        ...

    async def push(self, user_key: str, replies: Sequence[Reply], kind: str) -> str:
        """Sends a push (reminder, decision, announcement); returns "sent" or a reason it was
        skipped ("skipped_…"). Raises a `core.delivery.DeliveryError` when it failed."""
        ...
