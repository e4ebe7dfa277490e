"""The demo catalog: the shipped fields, branches and centres plus courses around `today`."""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from core.catalog import Branch, Catalog, Center, Course, CourseStatus, Session, SessionStatus
from storage.sample import load_base_catalog
from storage.schedule import class_days, generate_sessions, nth_class_day

log = logging.getLogger(__name__)

SEED = 20261125
POPULAR = (
    "barista",
    "pastacilik",
    "ileri-excel",
    "on-muhasebe",
    "mulakat-teknikleri",
    "giyim-uretimi",
    "asci-ciragi",
    "bilgisayar-isletmenligi",
)
COURSES_PER_CENTER = 13
OFFERINGS_PER_POPULAR = 5
WOMEN_NOTE = "Kadınlara özel"
YOUTH_NOTE = "15–29 yaş gençlere özel"
BIG_CENTERS = {"halkapinar", "dijital-genclik-merkezi", "menderes-estim", "karsiyaka", "buca"}
HOURS_BIG = "Hafta içi 08.30–22.00, hafta sonu 09.00–17.00"
HOURS_SMALL = "Hafta içi 09.00–21.30, hafta sonu 10.00–16.00"


@dataclass(frozen=True, slots=True)
class Variant:
    weekdays: tuple[str, ...]
    start: time
    end: time

    @property
    def hours(self) -> float:
        return (
            self.end.hour * 60 + self.end.minute - self.start.hour * 60 - self.start.minute
        ) / 60


MORNING = (
    Variant(("mon", "wed"), time(9, 30), time(12, 30)),
    Variant(("tue", "thu"), time(9, 30), time(12, 30)),
    Variant(("mon", "wed", "fri"), time(13, 30), time(16, 30)),
)
EVENING = (
    Variant(("mon", "wed"), time(18, 30), time(21, 30)),
    Variant(("tue", "thu"), time(18, 30), time(21, 30)),
)
WEEKEND = (Variant(("sat", "sun"), time(10, 0), time(15, 0)),)
INTENSIVE = (  # long programmes run every weekday so they finish within months
    Variant(("mon", "tue", "wed", "thu", "fri"), time(9, 0), time(14, 0)),
    Variant(("mon", "tue", "wed", "thu"), time(17, 30), time(21, 30)),
)


def _centers(base: list[Center]) -> list[Center]:
    """Gives every centre a phone number and opening hours."""
    return [
        replace(
            c,
            phone=f"0232 293 {41 + i:02d} {10 * (i % 9 + 1):02d}",
            hours=HOURS_BIG if c.id in BIG_CENTERS else HOURS_SMALL,
        )
        for i, c in enumerate(base)
    ]


class _Builder:
    def __init__(self, today: date, base: Catalog) -> None:
        self.today = today
        self.rng = random.Random(SEED)
        self.branches = base.branch_by_id()
        self.courses: list[Course] = []
        self.ids: set[str] = set()

    def variant(self, branch: Branch) -> Variant:
        if branch.hours >= 240:
            return self.rng.choice(INTENSIVE)
        return self.rng.choice(self.rng.choice((MORNING, MORNING, EVENING, EVENING, WEEKEND)))

    def course_id(self, branch: Branch, center: Center, starts_on: date) -> str:
        # Short enough that "apply|<branch>|<course>" fits Telegram's 64-byte button data.
        stem = f"{_short(branch.id, 22)}-{_short(center.id, 10)}-{starts_on:%y%m}"
        letter = next(ch for ch in "abcdefghijklmnopqrstuvwxyz" if f"{stem}{ch}" not in self.ids)
        self.ids.add(f"{stem}{letter}")
        return f"{stem}{letter}"

    def add(self, branch: Branch, center: Center, offset: int, *, demo: bool = False) -> Course:
        """Adds an offering of `branch` at `center` starting about `offset` days from today."""
        rng, today = self.rng, self.today
        v = self.variant(branch)
        first = today + timedelta(days=offset)
        starts_on = next(class_days(first, first + timedelta(days=30), v.weekdays, v.start, v.end))
        count = math.ceil(branch.hours / v.hours)
        ends_on = nth_class_day(starts_on, v.weekdays, v.start, v.end, count)
        opens = starts_on - timedelta(days=rng.randint(30, 75))
        if demo:  # popular demo offerings take applications now
            opens = min(opens, today - timedelta(days=7))
        closes = starts_on - timedelta(days=1 if demo else 3)
        roll = rng.random()
        status = CourseStatus.OPEN
        if starts_on <= today:
            status = CourseStatus.FULL if roll < 0.3 else CourseStatus.CLOSED
        elif not demo and roll < 0.08:
            status = CourseStatus.FULL
        elif not demo and roll < 0.11:
            status = CourseStatus.CANCELLED
        elif not demo and roll < 0.16:
            closes = max(opens, today - timedelta(days=1))  # the window closed early
        if status == CourseStatus.OPEN and closes < today:
            status = CourseStatus.CLOSED
        extra = rng.random()
        notes, min_age, max_age, women = "", None, None, False
        if extra < 0.10 and not demo:
            notes, women = WOMEN_NOTE, True
        elif extra < 0.18 and branch.min_age <= 16 and not demo:
            notes, min_age, max_age = YOUTH_NOTE, 15, 29
        course = Course(
            id=self.course_id(branch, center, starts_on),
            branch=branch.id,
            center=center.id,
            capacity=rng.randint(12, 25),
            starts_on=starts_on,
            ends_on=ends_on,
            weekdays=v.weekdays,
            start_time=v.start,
            end_time=v.end,
            application_opens=opens,
            application_closes=closes,
            status=status,
            notes=notes,
            min_age=min_age,
            max_age=max_age,
            women_only=women,
        )
        self.courses.append(course)
        return course


def _districts_apart(rng: random.Random, centers: list[Center], n: int) -> list[Center]:
    picked: list[Center] = []
    for center in rng.sample(centers, len(centers)):
        if all(p.district != center.district for p in picked):
            picked.append(center)
        if len(picked) == n:
            break
    return picked


def build_sample_catalog(today: date, tz: ZoneInfo) -> Catalog:
    """The base catalog plus 400+ courses and their sessions; the same for the same `today`."""
    base = load_base_catalog()
    centers = _centers(base.centers)
    builder = _Builder(today, base)
    rng = builder.rng
    for n, branch_id in enumerate(POPULAR):
        branch = builder.branches[branch_id]
        offsets = [1 if n < 4 else rng.randint(2, 12), rng.randint(14, 40)]
        offsets += [rng.randint(35, 80), rng.randint(60, 150), rng.randint(-21, -4)]
        for i, (center, offset) in enumerate(
            zip(_districts_apart(rng, centers, OFFERINGS_PER_POPULAR), offsets, strict=True)
        ):
            builder.add(branch, center, offset, demo=i < 2)
    others = [b for b in base.branches if b.id not in POPULAR]
    for center in centers:
        for branch in rng.sample(others, COURSES_PER_CENTER):
            builder.add(branch, center, rng.randint(-21, 180))
    women = next(c for c in builder.courses if c.branch == "giyim-uretimi" and c.starts_on > today)
    builder.courses[builder.courses.index(women)] = replace(
        women, women_only=True, notes=WOMEN_NOTE
    )
    sessions = _sessions(builder.courses, today, tz)
    log.info("sample catalog: %d courses, %d sessions", len(builder.courses), len(sessions))
    return Catalog(
        fields=base.fields,
        branches=base.branches,
        centers=centers,
        courses=builder.courses,
        sessions=sessions,
    )


def _sessions(courses: list[Course], today: date, tz: ZoneInfo) -> list[Session]:
    """Every course's sessions; cancelled courses' are cancelled, one running class is off."""
    sessions: list[Session] = []
    teacher_off = False
    for course in courses:
        own = generate_sessions(course, tz)
        if course.status == CourseStatus.CANCELLED:
            own = [
                replace(s, status=SessionStatus.CANCELLED, reason="Kurs iptal edildi") for s in own
            ]
        elif not teacher_off and course.starts_on < today:
            upcoming = [i for i, s in enumerate(own) if s.starts_at.date() > today + timedelta(2)]
            if upcoming:
                i = upcoming[0]
                own[i] = replace(own[i], status=SessionStatus.CANCELLED, reason="Eğitmen izinli")
                teacher_off = True
        sessions.extend(own)
    return sessions


def _short(slug: str, limit: int) -> str:
    """A slug cut at a hyphen to at most `limit` characters (whole when it fits)."""
    if len(slug) <= limit:
        return slug
    cut = slug[:limit]
    return cut.rsplit("-", 1)[0] if "-" in cut else cut
