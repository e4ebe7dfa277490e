"""The catalog as handlers read it: lookups and per-branch offerings, built once per load."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, TypeVar

from core.catalog import (
    Branch,
    Catalog,
    Center,
    Course,
    CourseStatus,
    FaqTopic,
    Field,
    Session,
)
from nlu.index import CatalogIndex
from nlu.text import tokens
from nlu.understand import FOREIGN, Understanding, understand

T = TypeVar("T")

# What this catalog remembers between turns (both dropped with it when it is reloaded).
UNDERSTOOD_KEPT = 2000  # texts understood: only short ones without a digit (see `understand`)
UNDERSTOOD_MAX_LEN = 64
MEMO_KEPT = 256  # answers that depend on the catalog and the day alone (see `memo`)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class CatalogView:
    catalog: Catalog
    index: CatalogIndex
    fields: dict[str, Field]
    branches: dict[str, Branch]
    centers: dict[str, Center]
    courses: dict[str, Course]
    courses_by_branch: dict[str, tuple[Course, ...]]  # sorted by start date
    sessions_by_course: dict[str, tuple[Session, ...]]  # sorted by start
    added_faq: dict[str, FaqTopic]  # answers added to the FAQ, by topic name
    _understood: dict[tuple[str | None, str], Understanding] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def build(cls, catalog: Catalog, topics: Mapping[str, str]) -> CatalogView:
        """Indexes a freshly loaded catalog, with the FAQ topics' trigger patterns by name and
        the answers staff added to the FAQ (the catalog's `faq`) as topics of their own."""
        added = {f.topic: f for f in catalog.faq if f.topic not in topics}
        by_branch: dict[str, list[Course]] = defaultdict(list)
        for course in catalog.courses:
            by_branch[course.branch].append(course)
        by_course: dict[str, list[Session]] = defaultdict(list)
        for session in catalog.sessions:
            by_course[session.course].append(session)
        return cls(
            catalog=catalog,
            index=CatalogIndex.build(
                catalog, {**topics, **{name: f.patterns for name, f in added.items()}}
            ),
            fields=catalog.field_by_id(),
            branches=catalog.branch_by_id(),
            centers=catalog.center_by_id(),
            courses=catalog.course_by_id(),
            courses_by_branch={
                k: tuple(sorted(v, key=lambda c: (c.starts_on, c.id))) for k, v in by_branch.items()
            },
            sessions_by_course={
                k: tuple(sorted(v, key=lambda s: s.starts_at)) for k, v in by_course.items()
            },
            added_faq=added,
        )

    def understand(
        self, text: str, *, remember: bool = True, locale: str | None = None
    ) -> Understanding:
        """What `text` means against this catalog (`nlu.understand`, a pure function of both).

        Short texts without a digit are remembered while the catalog lasts, so the same words
        are understood once: people, and above all a burst of new users, write much the same
        ("merhaba", "kurslar ücretli mi"). Nothing that could hold an id or a phone number, no
        long message and nothing typed into a form (`remember` false) is kept, and
        `forget_texts` drops them all ("verilerimi sil")."""
        key = (locale if locale in FOREIGN else None, text)  # Turkish is told apart by itself
        found = self._understood.get(key)
        if found is not None:
            return found
        found = understand(text, self.index, locale)
        if remember and len(text) <= UNDERSTOOD_MAX_LEN and not _DIGIT.search(text):
            if len(self._understood) >= UNDERSTOOD_KEPT:
                del self._understood[next(iter(self._understood))]
            self._understood[key] = found
        return found

    def forget_texts(self) -> None:
        """Drops every remembered text."""
        self._understood.clear()

    def memo(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, computed once per `key` while this catalog lasts: for answers that depend
        only on the catalog and what the key holds (the day, a search). At most MEMO_KEPT."""
        try:
            found: T = self._memo[key]
        except KeyError:
            if len(self._memo) >= MEMO_KEPT:
                self._memo.clear()
            found = self._memo[key] = make()
        return found

    @cached_property
    def branch_words(self) -> frozenset[str]:
        """Every folded word of every branch name ("ileri", "excel"), built on first use."""
        return frozenset(w for b in self.branches.values() for w in tokens(b.name))

    def upcoming_courses(self, branch: str, today: date) -> list[Course]:
        """Offerings of a branch that have not ended and are not cancelled or archived."""
        return [
            c
            for c in self.courses_by_branch.get(branch, ())
            if c.ends_on >= today
            and c.status not in (CourseStatus.CANCELLED, CourseStatus.ARCHIVED)
        ]

    def next_session(self, course: str, now: datetime) -> Session | None:
        """The first scheduled session of a course that has not started yet."""
        for s in self.sessions_by_course.get(course, ()):
            if s.starts_at >= now and s.status == "scheduled":
                return s
        return None
