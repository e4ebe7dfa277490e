"""Plain, typed records of the catalog and the people it serves.

These dataclasses carry no database code, so ``nlu/`` and ``handlers/`` may import them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CourseStatus(StrEnum):
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    ARCHIVED = "archived"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Field:
    id: str
    name: str
    name_en: str = ""  # translated names: optional, shown and understood in that language
    name_ar: str = ""


@dataclass(frozen=True, slots=True)
class Branch:
    id: str
    field: str
    name: str
    hours: int
    min_age: int
    keywords: tuple[str, ...] = ()
    description: str = ""
    name_en: str = ""
    name_ar: str = ""


@dataclass(frozen=True, slots=True)
class Center:
    id: str
    name: str
    district: str
    address: str
    lat: float
    lon: float
    phone: str = ""
    hours: str = ""
    name_en: str = ""
    name_ar: str = ""


@dataclass(frozen=True, slots=True)
class Course:
    id: str
    branch: str
    center: str
    capacity: int
    starts_on: date
    ends_on: date
    weekdays: tuple[str, ...]
    start_time: time
    end_time: time
    application_opens: date | None = None
    application_closes: date | None = None
    status: CourseStatus = CourseStatus.OPEN
    notes: str = ""
    min_age: int | None = None
    max_age: int | None = None
    women_only: bool = False


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    course: str
    starts_at: datetime  # timezone-aware
    ends_at: datetime
    status: SessionStatus = SessionStatus.SCHEDULED
    reason: str = ""
    holiday: str = ""  # name of the public holiday the session falls on, if any


@dataclass(slots=True)
class Catalog:
    """A whole catalog in memory, with lookups by id."""

    fields: list[Field] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    centers: list[Center] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)

    def field_by_id(self) -> dict[str, Field]:
        return {f.id: f for f in self.fields}

    def branch_by_id(self) -> dict[str, Branch]:
        return {b.id: b for b in self.branches}

    def center_by_id(self) -> dict[str, Center]:
        return {c.id: c for c in self.centers}

    def course_by_id(self) -> dict[str, Course]:
        return {c.id: c for c in self.courses}
