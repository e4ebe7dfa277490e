"""What handlers may ask of storage: narrow async methods, implemented in storage/repos.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ApplicationRecord:
    number: str
    status: str  # pending, waitlisted, accepted, rejected, cancelled
    user: str
    channel: str
    branch: str
    course: str
    full_name: str
    phone: str
    national_id_masked: str
    created_at: datetime
    waitlist_position: int | None = None


@dataclass(frozen=True, slots=True)
class NewApplication:
    user: str
    course: str
    branch: str
    full_name: str
    national_id: str
    birth_date: date
    phone: str  # E.164
    district: str  # one of İzmir's 30 districts, or "İzmir dışı"
    education: str = ""
    employment: str = ""
    consent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EnrolmentRecord:
    id: int
    course: str
    full_name: str


class Store(Protocol):
    """Storage as a handler sees it, bound to the turn's transaction."""

    def seal(self, secret: str) -> str:
        """Encrypts a value a form must keep between turns (the national id)."""
        ...

    def unseal(self, sealed: str) -> str:
        """Reads back a value sealed by `seal`."""
        ...

    async def seats_taken(self, course_ids: Sequence[str]) -> dict[str, int]:
        """Accepted and pending applications per course (seats no longer free)."""
        ...

    async def save_interest(self, user: str, branch: str, district: str | None) -> bool:
        """Remembers that `user` wants to hear when `branch` opens; False if already stored."""
        ...

    async def create_application(self, app: NewApplication, capacity: int) -> ApplicationRecord:
        """Stores an application: pending while seats are free, else waitlisted."""
        ...

    async def active_applications_for_id(self, national_id: str) -> list[ApplicationRecord]:
        """Pending, waitlisted or accepted applications of one national id."""
        ...

    async def applications_of(self, user: str) -> list[ApplicationRecord]:
        """Every application made from this chat account, newest first."""
        ...

    async def cancel_application(self, user: str, number: str) -> ApplicationRecord | None:
        """Cancels one of the user's own applications; promotes the first on the waiting list."""
        ...

    async def save_callback_request(self, user: str, phone: str, question: str) -> int:
        """Leaves a request for staff to call back; returns its id."""
        ...

    async def describe_user_data(self, user: str) -> dict[str, int]:
        """How many rows of each kind are stored about the user."""
        ...

    async def delete_user_data(self, user: str) -> dict[str, int]:
        """Removes (or anonymises) everything stored about the user; returns counts."""
        ...

    async def enrolments_of(self, user: str) -> list[EnrolmentRecord]:
        """The courses this chat account is enrolled in."""
        ...

    async def link_by_phone(self, user: str, phone: str) -> int:
        """Links desk enrolments with the user's own phone to this account; returns how many."""
        ...

    async def record_attendance(self, user: str, session: str, coming: bool) -> int | None:
        """Stores "I'll come / I can't" for a session; returns the user's "can't" count in that
        course, or None when the user is not a trainee of the session's course."""
        ...

    async def reminder_pref(self, user: str) -> str:
        """ "" (default reminders), "off", or a comma-separated choice of reminder kinds."""
        ...

    async def set_reminder_pref(self, user: str, value: str) -> int:
        """Stores the user's reminder choice ("", "off" or kinds joined by commas) and removes
        their queued, unsent reminders of the kinds it no longer allows; returns how many."""
        ...
