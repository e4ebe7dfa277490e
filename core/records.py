"""Records of the people the institution serves: applications, enrolments, desk trainees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


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


@dataclass(frozen=True, slots=True)
class Trainee:
    """A trainee enrolled at the desk, as read from a staff file."""

    course: str
    full_name: str
    phone: str
    national_id: str | None


@dataclass(frozen=True, slots=True)
class StoredApplication:
    """One application as its owner may see it (the national id masked)."""

    record: ApplicationRecord
    birth_date: date
    district: str


@dataclass(frozen=True, slots=True)
class StoredData:
    """Everything stored about one chat account, for "verilerim"."""

    phone: str | None  # the number the account shared or wrote from
    applications: tuple[StoredApplication, ...]
    enrolments: tuple[EnrolmentRecord, ...]
    interests: tuple[tuple[str, str], ...]  # (branch id, district or "")
    callback_questions: tuple[str, ...]
    counts: dict[str, int]  # rows per kind, technical ones included
    id_stored: bool  # a national id (encrypted) is kept in an application or enrolment
