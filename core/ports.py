"""The ports storage implements and handlers use, split by concern.

Handlers see storage only through these protocols, bound to the turn's transaction; the
composition root (`bot/app.py`) wires storage's implementation in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.conversation import Said
from core.records import ApplicationRecord, EnrolmentRecord, NewApplication, StoredData


class Sealing(Protocol):
    """Seals what a form must keep between turns (the national id)."""

    def seal(self, secret: str) -> str:
        """Encrypts a value a form must keep between turns (the national id)."""
        ...

    def unseal(self, sealed: str) -> str:
        """Reads back a value sealed by `seal`."""
        ...


class Applications(Protocol):
    """Applications, interests and the seats they take."""

    async def seats_taken(self, course_ids: Sequence[str]) -> dict[str, int]:
        """Accepted and pending applications per course (seats no longer free), as committed
        now: for showing; whether a seat is free for an application is decided when storing it."""
        ...

    async def save_interest(self, user: str, branch: str, district: str | None) -> bool:
        """Remembers that `user` wants to hear when `branch` opens; False if already stored."""
        ...

    async def interests_of(self, user: str) -> list[tuple[str, str]]:
        """The (branch, district) pairs the user waits to hear about, oldest first."""
        ...

    async def remove_interest(self, user: str, branch: str) -> int:
        """Forgets the user's wish to hear about `branch`; returns how many were removed."""
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


class People(Protocol):
    """The people behind the chat accounts: callbacks, their data, erasure."""

    async def save_callback_request(self, user: str, phone: str, question: str) -> int:
        """Leaves a request for staff to call back; returns its id."""
        ...

    async def stored_data(self, user: str) -> StoredData:
        """What is stored about the user, item by item (national ids masked)."""
        ...

    async def describe_user_data(self, user: str) -> dict[str, int]:
        """How many rows of each kind are stored about the user."""
        ...

    async def delete_user_data(self, user: str) -> dict[str, int]:
        """Removes (or anonymises) everything stored about the user; returns counts."""
        ...

    async def set_locale(self, user: str, locale: str) -> None:
        """Keeps the language the user chose (or wrote in) for every later message and push."""
        ...


class Trainees(Protocol):
    """Trainees: enrolments, linking by phone, attendance answers, reminder choice."""

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


class Handoffs(Protocol):
    """A conversation handed to a person (the panel's inbox) while the assistant stands back."""

    async def open_handoff(
        self, user: str, centre: str | None, context: str, before: Sequence[Said] = ()
    ) -> int:
        """Opens a thread in the inbox of `centre` (None: the admins') with a note of what the
        user was doing and the lines said `before` it (masked); returns its id, or the id of
        the user's thread already open."""
        ...

    async def handoff_note(self, thread: int, user: str, text: str) -> int:
        """Adds the user's message to their open thread (masked); returns how many the user
        has written there, 0 when staff closed it (nothing added)."""
        ...

    async def leave_handoff(self, thread: int, user: str) -> bool:
        """The user leaves the thread ("asistana dön"); False when it was no longer open."""
        ...


class Unanswered(Protocol):
    """What the assistant could not answer, kept (digits masked) for staff to learn from."""

    async def note_unanswered(self, user: str, text: str, reason: str) -> None:
        """Records a message that ended in the fallback, "no such course", a repeat or a
        handoff, grouped with similar wording."""
        ...


class Store(Sealing, Applications, People, Trainees, Handoffs, Unanswered, Protocol):
    """Everything a turn's handlers may ask of storage."""


class UserDirectory(Protocol):
    """What channels and the outbox may change about a user outside a chat turn."""

    async def mark_unreachable(self, user: str) -> None:
        """Records that the user blocked the assistant or can no longer be reached."""
        ...
