"""The catalog as handlers read it: lookups and per-branch offerings, built once per load."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from core.catalog import Branch, Catalog, Center, Course, CourseStatus, Field, Session
from nlu.index import CatalogIndex
from nlu.text import tokens


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

    @classmethod
    def build(cls, catalog: Catalog, topics: Mapping[str, str]) -> CatalogView:
        """Indexes a freshly loaded catalog, with the FAQ topics' trigger patterns by name."""
        by_branch: dict[str, list[Course]] = defaultdict(list)
        for course in catalog.courses:
            by_branch[course.branch].append(course)
        by_course: dict[str, list[Session]] = defaultdict(list)
        for session in catalog.sessions:
            by_course[session.course].append(session)
        return cls(
            catalog=catalog,
            index=CatalogIndex.build(catalog, topics),
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
        )

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
