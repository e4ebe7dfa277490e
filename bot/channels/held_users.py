"""What an instance knows of the users it holds (several instances: `storage.wa_claims`).

A user's stored messages are handled by the one instance holding the user's claim, in order.
The holder counts how many messages were stored for each user it holds (`known`, the claim's
count when it last read them); a release succeeds only with the claim's current count, so a
message stored by another instance meanwhile makes it fail and the holder reads the user's
messages again. Shared by the WhatsApp and Telegram channels, whose stores read and release.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from functools import partial
from typing import Generic, TypeVar

from core.checks import mask_user
from storage.group_commit import After
from storage.wa_claims import Claim

log = logging.getLogger(__name__)

T = TypeVar("T")
# A claim's count (-1: the claim is not ours) and the user's unhandled messages, oldest first.
Left = tuple[int, list[T]]


class Stored(Enum):
    """What to do with messages just stored for a user."""

    TAKE = "take"  # ours, and nothing stored elsewhere in between: queue them as they are
    READ = "read"  # ours, but taken over or stored elsewhere first: read the user's in order
    LEAVE = "leave"  # another instance holds the user: it reads them in turn


class HeldUsers(Generic[T]):
    """The counts of the users held here and what their last release left."""

    def __init__(
        self,
        held: Callable[[str], Awaitable[Left[T]]],
        release: Callable[[str, int], Awaitable[Left[T] | None]],
        took: Callable[[list[T]], None] = lambda _rows: None,
    ) -> None:
        self._held = held
        self._release = release
        self._took_rows = took
        self._known: dict[str, int] = {}
        # What the release with a user's last message left (None: the user was let go).
        self._left: dict[str, Left[T] | None] = {}

    def stored(self, user: str, claim: Claim | None, count: int) -> Stored:
        """What to do with `count` messages of `user` just stored under `claim`."""
        if claim is None or not claim.mine:
            return Stored.LEAVE
        if claim.fresh or self._known.get(user, -1) + count == claim.stored:
            self._known[user] = claim.stored  # nothing stored elsewhere in between
            self._left.pop(user, None)  # (a release before this claim is history)
            return Stored.TAKE
        return Stored.READ

    def taken_over(self, user: str) -> None:
        """The user was just claimed from a crashed holder (or nobody): read before handling."""
        self._known.pop(user, None)

    def release_with(self, user: str, last: bool) -> tuple[int | None, After | None]:
        """With the user's last queued message, the count to let the user go with (and the
        callback noting what the release left); (None, None) otherwise."""
        if not last or user not in self._known:
            return None, None
        return self._known[user], partial(self._left.__setitem__, user)

    async def reload(self, user: str) -> list[T]:
        """The user's unhandled messages in order, read again."""
        count, rows = await self._held(user)
        return self._took(user, count, rows)

    async def drained(self, user: str) -> list[T]:
        """Lets the user go, unless messages were stored for them meanwhile: those, in order."""
        while True:
            if user in self._left:  # released (or not) with the user's last message
                left = self._left.pop(user)
            else:
                left = await self._release(user, self._known.get(user, -1))
            if left is None:
                self._known.pop(user, None)
                return []
            rows = self._took(user, *left)
            if rows or user not in self._known:
                return rows

    def _took(self, user: str, count: int, rows: list[T]) -> list[T]:
        if count < 0:  # not ours any more (our lease ran out: we stalled past it)
            self._known.pop(user, None)
            log.warning("lost the claim on %s; its holder answers", mask_user(user))
            return []
        self._known[user] = count
        self._took_rows(rows)
        return rows
