"""What a course search asks for (field, place, time), and its compact button encoding."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from typing import Protocol

from core.catalog import Course
from handlers.catalog_view import CatalogView
from handlers.formatting import payload_fits, tr_lower

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKEND = frozenset({"sat", "sun"})
TIMES_OF_DAY: tuple[str, ...] = ("morning", "afternoon", "evening")
AUDIENCES: tuple[str, ...] = ("women", "youth")  # who a course is only for
YOUTH_MAX_AGE = 30
RELATIVE_DATES: tuple[str, ...] = (
    "today",
    "tomorrow",
    "this_week",
    "next_week",
    "this_month",
    "next_month",
)
# The official list of İzmir's 30 districts: a district may be asked about before it has a centre.
IZMIR_DISTRICTS: tuple[str, ...] = (
    "Aliağa", "Balçova", "Bayındır", "Bayraklı", "Bergama", "Beydağ", "Bornova", "Buca",
    "Çeşme", "Çiğli", "Dikili", "Foça", "Gaziemir", "Güzelbahçe", "Karabağlar", "Karaburun",
    "Karşıyaka", "Kemalpaşa", "Kınık", "Kiraz", "Konak", "Menderes", "Menemen", "Narlıdere",
    "Ödemiş", "Seferihisar", "Selçuk", "Tire", "Torbalı", "Urla",
)  # fmt: skip

_NOON = time(12, 0)
_EVENING = time(17, 0)
_TIME_CODES = {"morning": "m", "afternoon": "a", "evening": "e"}
_REL_CODES = {
    "today": "0",
    "tomorrow": "1",
    "this_week": "w",
    "next_week": "W",
    "this_month": "m",
    "next_month": "M",
}
_HASH = "~"


class _Cues(Protocol):
    """The parts of an NLU Understanding a course search reads."""

    @property
    def field(self) -> str | None: ...
    @property
    def center(self) -> str | None: ...
    @property
    def district(self) -> str | None: ...
    @property
    def time_of_day(self) -> str | None: ...
    @property
    def weekdays(self) -> tuple[str, ...]: ...
    @property
    def weekend(self) -> bool | None: ...
    @property
    def relative_date(self) -> str | None: ...
    @property
    def audience(self) -> str | None: ...


def canonical_district(name: str | None, catalog: CatalogView) -> str | None:
    """The official spelling of a district (İzmir list or a centre's), or None."""
    if not name:
        return None
    wanted = tr_lower(name.strip())
    known = {c.district for c in catalog.centers.values()} | set(IZMIR_DISTRICTS)
    for district in known:
        if tr_lower(district) == wanted:
            return district
    return None


def time_bucket(start: time) -> str:
    """'morning' before noon, 'afternoon' until 17.00, 'evening' after."""
    if start < _NOON:
        return "morning"
    return "afternoon" if start < _EVENING else "evening"


def date_window(relative: str, today: date) -> tuple[date, date]:
    """The first and last day a relative date cue covers."""
    if relative == "today":
        return today, today
    if relative == "tomorrow":
        return today + timedelta(days=1), today + timedelta(days=1)
    sunday = today + timedelta(days=6 - today.weekday())
    if relative == "this_week":
        return today, sunday
    if relative == "next_week":
        return sunday + timedelta(days=1), sunday + timedelta(days=7)
    next_first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    if relative == "this_month":
        return today, next_first - timedelta(days=1)
    after = (next_first + timedelta(days=32)).replace(day=1)
    return next_first, after - timedelta(days=1)


def short_ref(ident: str) -> str:
    """A stable 8-hex stand-in for a long id inside a button payload."""
    return _HASH + hashlib.blake2s(ident.encode("utf-8"), digest_size=4).hexdigest()


def resolve_ref(value: str, known: dict[str, object] | set[str]) -> str | None:
    """The id a payload argument names (plain or short_ref), or None when unknown."""
    if value in known:
        return value
    if value.startswith(_HASH):
        hits = [k for k in known if short_ref(k) == value]
        return hits[0] if len(hits) == 1 else None
    return None


@dataclass(frozen=True, slots=True)
class CourseFilter:
    """One course search: which branch or field, where, and when."""

    branch: str | None = None
    field: str | None = None
    center: str | None = None
    district: str | None = None
    time_of_day: str | None = None
    weekdays: tuple[str, ...] = ()
    weekend: bool | None = None
    relative_date: str | None = None
    audience: str | None = None  # "women" (women-only courses) | "youth" (for ages 15–29)

    @classmethod
    def from_cues(
        cls, cues: _Cues, catalog: CatalogView, branch: str | None = None
    ) -> CourseFilter:
        """Keeps the cues of an understanding that name things the catalog knows."""
        center = cues.center if cues.center in catalog.centers else None
        district = None if center else canonical_district(cues.district, catalog)
        return cls(
            branch=branch if branch in catalog.branches else None,
            field=cues.field if cues.field in catalog.fields else None,
            center=center,
            district=district,
            time_of_day=cues.time_of_day if cues.time_of_day in TIMES_OF_DAY else None,
            weekdays=tuple(d for d in WEEKDAYS if d in (cues.weekdays or ())),
            weekend=cues.weekend,
            relative_date=cues.relative_date if cues.relative_date in RELATIVE_DATES else None,
            audience=cues.audience if cues.audience in AUDIENCES else None,
        )

    @property
    def has_place(self) -> bool:
        return bool(self.center or self.district)

    @property
    def has_conditions(self) -> bool:
        """Place or time cues (not the branch or field themselves)."""
        return bool(
            self.has_place
            or self.time_of_day
            or self.weekdays
            or self.weekend is not None
            or self.relative_date
            or self.audience
        )

    def without_conditions(self) -> CourseFilter:
        return CourseFilter(branch=self.branch, field=self.field)

    def with_branch(self, branch: str | None) -> CourseFilter:
        return replace(self, branch=branch)

    def only_conditions(self) -> CourseFilter:
        """The place and time cues alone (no branch, no field)."""
        return replace(self, branch=None, field=None)

    def place_name(self, catalog: CatalogView) -> str | None:
        if self.center and self.center in catalog.centers:
            return catalog.centers[self.center].name
        return self.district

    def matches(self, course: Course, catalog: CatalogView, today: date) -> bool:
        """Whether an offering meets every cue of this search."""
        branch = catalog.branches.get(course.branch)
        return (
            (self.branch is None or course.branch == self.branch)
            and (self.field is None or (branch is not None and branch.field == self.field))
            and self.matches_conditions(course, catalog, today)
        )

    def matches_conditions(self, course: Course, catalog: CatalogView, today: date) -> bool:
        """Whether an offering meets the place and time cues."""
        if self.center and course.center != self.center:
            return False
        if self.district:
            center = catalog.centers.get(course.center)
            if center is None or tr_lower(center.district) != tr_lower(self.district):
                return False
        if self.time_of_day and time_bucket(course.start_time) != self.time_of_day:
            return False
        days = set(course.weekdays)
        if self.weekdays and not days & set(self.weekdays):
            return False
        if self.weekend is True and not days & WEEKEND:
            return False
        if self.weekend is False and days & WEEKEND:
            return False
        if self.relative_date:
            first, last = date_window(self.relative_date, today)
            if not first <= course.starts_on <= last:
                return False
        if self.audience == "women" and not course.women_only:
            return False
        return not (self.audience == "youth" and not _for_youth(course))

    def to_args(self, action: str, *lead: str) -> tuple[str, ...] | None:
        """Payload arguments after `lead`, with long ids shortened; None if it cannot fit."""
        for shorten in (False, True):
            args = (*lead, *self._tokens(shorten))
            if payload_fits(action, *args):
                return args
        return None

    def _tokens(self, shorten: bool) -> list[str]:
        def ref(ident: str) -> str:
            return short_ref(ident) if shorten and len(ident) > 9 else ident

        out: list[str] = []
        if self.branch:
            out.append("b" + ref(self.branch))
        if self.field:
            out.append("f" + ref(self.field))
        if self.center:
            out.append("c" + ref(self.center))
        if self.district:
            out.append("d" + self.district)
        if self.time_of_day:
            out.append("t" + _TIME_CODES[self.time_of_day])
        if self.weekdays:
            out.append("w" + "".join(str(WEEKDAYS.index(d)) for d in self.weekdays))
        if self.weekend is not None:
            out.append("W" + ("1" if self.weekend else "0"))
        if self.relative_date:
            out.append("r" + _REL_CODES[self.relative_date])
        if self.audience:
            out.append("a" + self.audience[0])
        return out

    @classmethod
    def from_args(cls, args: tuple[str, ...], catalog: CatalogView) -> CourseFilter | None:
        """Decodes payload tokens; None when any is malformed or names what no longer exists."""
        values: dict[str, object] = {}
        times = {v: k for k, v in _TIME_CODES.items()}
        rels = {v: k for k, v in _REL_CODES.items()}
        for token in args:
            if not token:
                return None
            key, raw = token[0], token[1:]
            if key in values:
                return None
            value: object
            if key == "b":
                value = resolve_ref(raw, set(catalog.branches))
            elif key == "f":
                value = resolve_ref(raw, set(catalog.fields))
            elif key == "c":
                value = resolve_ref(raw, set(catalog.centers))
            elif key == "d":
                value = canonical_district(raw, catalog)
            elif key == "t":
                value = times.get(raw)
            elif key == "r":
                value = rels.get(raw)
            elif key == "w":
                if not raw or not raw.isdigit() or any(int(ch) > 6 for ch in raw):
                    return None
                value = tuple(WEEKDAYS[int(ch)] for ch in sorted(set(raw)))
            elif key == "W":
                value = {"1": True, "0": False}.get(raw)
            elif key == "a":
                value = {a[0]: a for a in AUDIENCES}.get(raw)
            else:
                return None
            if value is None:
                return None
            values[key] = value
        return cls(
            branch=_opt_str(values.get("b")),
            field=_opt_str(values.get("f")),
            center=_opt_str(values.get("c")),
            district=_opt_str(values.get("d")),
            time_of_day=_opt_str(values.get("t")),
            weekdays=_days(values.get("w")),
            weekend=_opt_bool(values.get("W")),
            relative_date=_opt_str(values.get("r")),
            audience=_opt_str(values.get("a")),
        )


def _for_youth(course: Course) -> bool:
    """A course only young people may join (an upper age limit of 30 or less)."""
    return course.max_age is not None and course.max_age <= YOUTH_MAX_AGE


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _opt_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _days(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, tuple) else ()
