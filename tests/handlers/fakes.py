"""In-memory stand-ins for what handlers ask of storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class FakeStore:
    """Seats taken per course and interest requests; other Store methods are not used here."""

    def __init__(self, taken: dict[str, int] | None = None) -> None:
        self.taken = dict(taken or {})
        self.interests: list[tuple[str, str, str | None]] = []
        self.seat_queries: list[tuple[str, ...]] = []

    async def seats_taken(self, course_ids: Sequence[str]) -> dict[str, int]:
        self.seat_queries.append(tuple(course_ids))
        return {c: self.taken.get(c, 0) for c in course_ids}

    async def save_interest(self, user: str, branch: str, district: str | None) -> bool:
        key = (user, branch, district)
        if key in self.interests:
            return False
        self.interests.append(key)
        return True

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"handler called Store.{name}, which these journeys must not use")
