"""The outcomes of a delivery to a platform, shared by every channel and the outbox."""

from __future__ import annotations


class DeliveryError(Exception):
    """A message could not be delivered."""


class Blocked(DeliveryError):
    """The user blocked the assistant or cannot be reached on this channel: stop writing."""


class RetryLater(DeliveryError):
    """The platform asked us to wait: try again after `seconds`."""

    def __init__(self, seconds: float, detail: str = "") -> None:
        super().__init__(detail or f"retry after {seconds:g} s")
        self.seconds = seconds


class TransientError(DeliveryError):
    """The network or the platform failed for now; the same message may go through later."""


class Rejected(DeliveryError):
    """The platform refused this message itself; sending it again will not help."""


class Parts:
    """How many messages of one push the platform accepted, counted across its attempts.

    A push may be several messages (a welcome's text, then its venue). The sender skips the
    first `done` of them and counts each one accepted, so when a later one fails the outbox
    keeps the count and the next attempt starts with the message that was not accepted.
    """

    __slots__ = ("done",)

    def __init__(self, done: int = 0) -> None:
        self.done = done

    def __repr__(self) -> str:
        return f"Parts(done={self.done})"
