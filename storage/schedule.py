"""Class sessions from a course's weekdays and times, skipping Turkish public holidays."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from core.catalog import WEEKDAYS, Course, Session

log = logging.getLogger(__name__)

# Half-day holidays (bayram eves, 28 October) start at 13:00; later classes do not run.
HALF_DAY_FROM = time(13, 0)


@lru_cache(maxsize=64)
def _holidays(year: int, category: str) -> Mapping[date, str]:
    table = holidays.country_holidays("TR", language="tr", years=year, categories=(category,))
    return {d: str(name) for d, name in table.items()}


def holiday_name(d: date) -> str:
    """The name of the public holiday on `d` (all day), or "" on an ordinary day."""
    return _holidays(d.year, "public").get(d, "")


def half_day_name(d: date) -> str:
    """The name of the half-day holiday (from 13:00) on `d`, or ""."""
    return _holidays(d.year, "half_day").get(d, "")


def session_holiday(day: date, start: time, end: time) -> str:
    """The holiday a class on `day` from `start` to `end` (local) falls on, or ""."""
    name = holiday_name(day)
    if name:
        return name
    if end > HALF_DAY_FROM:
        return half_day_name(day)
    return ""


def class_days(
    starts_on: date,
    ends_on: date,
    weekdays: tuple[str, ...],
    start: time,
    end: time,
    closures: Mapping[date, str] | None = None,
) -> Iterator[date]:
    """The dates from `starts_on` to `ends_on` on `weekdays` that are not holidays or closures."""
    wanted = {WEEKDAYS.index(w) for w in weekdays}
    day = starts_on
    while day <= ends_on:
        if (
            day.weekday() in wanted
            and not session_holiday(day, start, end)
            and not (closures and day in closures)
        ):
            yield day
        day += timedelta(days=1)


def generate_sessions(
    course: Course, tz: ZoneInfo, *, closures: Mapping[date, str] | None = None
) -> list[Session]:
    """The course's sessions (ids `<course>-<n>`, aware datetimes), holidays skipped."""
    days = class_days(
        course.starts_on,
        course.ends_on,
        course.weekdays,
        course.start_time,
        course.end_time,
        closures,
    )
    return [
        Session(
            id=f"{course.id}-{n}",
            course=course.id,
            starts_at=datetime.combine(day, course.start_time, tzinfo=tz),
            ends_at=datetime.combine(day, course.end_time, tzinfo=tz),
        )
        for n, day in enumerate(days, start=1)
    ]


def nth_class_day(
    starts_on: date, weekdays: tuple[str, ...], start: time, end: time, count: int
) -> date:
    """The date of the `count`-th class from `starts_on` (holidays skipped)."""
    far = starts_on + timedelta(days=7 * count + 400)
    last = starts_on
    for n, day in enumerate(class_days(starts_on, far, weekdays, start, end), start=1):
        last = day
        if n >= count:
            break
    return last
