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


# How sure an added answer's keywords make its topic: as sure as the FAQ file's own clearest
# words ("0.9: ücret|ücretli…"), so the keyword alone is enough to answer.
FAQ_KEYWORD_WEIGHT = 0.9


def turkish_lower(text: str) -> str:
    """Lowercases the Turkish way ("İ" → "i", "I" → "ı"), as keywords are kept."""
    return text.replace("İ", "i").replace("I", "ı").lower()


def is_faq_keyword(text: str) -> bool:
    """True when `text` can ask for an added answer: words of letters only, 2 to 60 characters
    (the FAQ trigger lines take no digits or punctuation)."""
    return 2 <= len(text) <= 60 and all(w.isalpha() for w in text.split())


@dataclass(frozen=True, slots=True)
class FaqTopic:
    """An answer staff added to the FAQ from the panel (or a catalog file's "SSS" sheet): the
    words that ask for it and its text per language; it joins the topics of locales/faq.*.yaml
    when the catalog is loaded."""

    id: str  # a catalog id ("yemek-karti")
    keywords: tuple[str, ...]  # each a word or a phrase whose words must all be in the message
    answer: str  # Turkish
    answer_en: str = ""  # optional; Turkish is shown when empty
    answer_ar: str = ""

    @property
    def topic(self) -> str:
        """Its name among the FAQ topics, apart from the file's ("faq_added_yemek_karti")."""
        return "faq_added_" + self.id.replace("-", "_")

    @property
    def patterns(self) -> str:
        """Its keywords as FAQ trigger lines ("weight: words", see nlu/intents.py)."""
        return "\n".join(f"{FAQ_KEYWORD_WEIGHT}: {k}" for k in self.keywords)

    def answer_in(self, locale: str) -> str:
        """The answer in `locale`, or the Turkish one when it has none in that language."""
        return {"en": self.answer_en, "ar": self.answer_ar}.get(locale, "") or self.answer


@dataclass(slots=True)
class Catalog:
    """A whole catalog in memory, with lookups by id."""

    fields: list[Field] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    centers: list[Center] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    faq: list[FaqTopic] = field(default_factory=list)

    def field_by_id(self) -> dict[str, Field]:
        return {f.id: f for f in self.fields}

    def branch_by_id(self) -> dict[str, Branch]:
        return {b.id: b for b in self.branches}

    def center_by_id(self) -> dict[str, Center]:
        return {c.id: c for c in self.centers}

    def course_by_id(self) -> dict[str, Course]:
        return {c.id: c for c in self.courses}
