"""Generated sessions (holidays skipped) and the demo catalog built around a given day."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.catalog import Catalog, Course, CourseStatus, SessionStatus
from storage.catalog_cells import SLUG
from storage.catalog_io import check_catalog
from storage.sample.generate import POPULAR, build_sample_catalog
from storage.schedule import generate_sessions, holiday_name, session_holiday

TZ = ZoneInfo("Europe/Istanbul")
TODAY = date(2026, 11, 25)


def _course(**changes: object) -> Course:
    fields: dict[str, object] = {
        "id": "web-buca-2610a",
        "branch": "web",
        "center": "buca",
        "capacity": 20,
        "starts_on": date(2026, 10, 26),
        "ends_on": date(2026, 11, 6),
        "weekdays": ("mon", "wed", "thu"),
        "start_time": time(18, 30),
        "end_time": time(21, 30),
    }
    fields.update(changes)
    return Course(**fields)  # type: ignore[arg-type]


def test_holiday_names_are_turkish() -> None:
    assert holiday_name(date(2026, 10, 29)) == "Cumhuriyet Bayramı"
    assert holiday_name(date(2027, 1, 1)) == "Yılbaşı"
    assert holiday_name(date(2026, 11, 25)) == ""


def test_generated_sessions_skip_holidays_and_are_stable() -> None:
    course = _course()
    sessions = generate_sessions(course, TZ)
    days = [s.starts_at.date() for s in sessions]
    # 28 October is a half day from 13:00 (evening class off), 29 October is Cumhuriyet Bayramı
    assert days == [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 5)]
    assert [s.id for s in sessions] == [f"web-buca-2610a-{n}" for n in range(1, len(days) + 1)]
    assert all(s.starts_at.tzinfo is not None for s in sessions)
    assert sessions[0].starts_at == datetime(2026, 10, 26, 18, 30, tzinfo=TZ)
    assert generate_sessions(course, TZ) == sessions
    morning = generate_sessions(_course(start_time=time(9, 30), end_time=time(12, 30)), TZ)
    assert date(2026, 10, 28) in [s.starts_at.date() for s in morning]  # before 13:00: held


def test_session_holiday_flags_half_days_only_after_one_pm() -> None:
    eve = date(2026, 10, 28)
    assert session_holiday(eve, time(9, 30), time(12, 30)) == ""
    assert "Cumhuriyet Bayramı" in session_holiday(eve, time(18, 30), time(21, 30))


@pytest.fixture(scope="module")
def sample() -> Catalog:
    return build_sample_catalog(TODAY, TZ)


def test_sample_has_the_base_catalog_and_many_courses(sample: Catalog) -> None:
    assert (len(sample.fields), len(sample.branches), len(sample.centers)) == (35, 215, 29)
    assert len(sample.courses) >= 400
    assert {c.center for c in sample.courses} == {c.id for c in sample.centers}
    assert len(sample.sessions) < 40_000
    assert check_catalog(sample) == []
    assert all(SLUG.fullmatch(c.id) and len(c.id) <= 80 for c in sample.courses)
    assert all(c.phone.startswith("0232 293 ") and c.hours for c in sample.centers)


def test_sample_exercises_every_journey(sample: Catalog) -> None:
    statuses = Counter(c.status for c in sample.courses)
    assert statuses[CourseStatus.FULL]
    assert statuses[CourseStatus.CLOSED]
    assert 0 < statuses[CourseStatus.CANCELLED] < 20
    assert any(c.women_only and c.notes == "Kadınlara özel" for c in sample.courses)
    youth = [c for c in sample.courses if c.max_age == 29]
    assert youth
    assert all(c.min_age == 15 and c.notes == "15–29 yaş gençlere özel" for c in youth)
    assert any(c.application_opens and c.application_opens > TODAY for c in sample.courses)
    closed_early = [c for c in sample.courses if c.starts_on > TODAY and c.status == "closed"]
    assert closed_early
    assert {c.start_time for c in sample.courses} >= {time(9, 30), time(18, 30)}
    assert any(c.weekdays == ("sat", "sun") for c in sample.courses)
    soon = [c for c in sample.courses if TODAY < c.starts_on <= TODAY + timedelta(days=7)]
    assert soon
    next_days = {s.starts_at.date() for s in sample.sessions if s.course == soon[0].id}
    assert min(next_days) <= TODAY + timedelta(days=7)
    assert min(c.starts_on for c in sample.courses) >= TODAY - timedelta(days=28)
    assert max(c.starts_on for c in sample.courses) <= TODAY + timedelta(days=200)
    assert 12 <= min(c.capacity for c in sample.courses) <= max(c.capacity for c in sample.courses)
    assert max(c.capacity for c in sample.courses) <= 25


def test_popular_branches_have_upcoming_open_offerings_in_several_districts(
    sample: Catalog,
) -> None:
    district = {c.id: c.district for c in sample.centers}
    for branch in POPULAR:
        open_now = [
            c
            for c in sample.courses
            if c.branch == branch
            and c.starts_on > TODAY
            and c.status == CourseStatus.OPEN
            and c.application_opens is not None
            and c.application_closes is not None
            and c.application_opens <= TODAY <= c.application_closes
        ]
        assert len(open_now) >= 2, branch
        assert len({district[c.center] for c in open_now}) >= 2, branch


def test_sample_sessions_skip_holidays_and_cancelled_courses_have_none_running(
    sample: Catalog,
) -> None:
    assert all(not holiday_name(s.starts_at.date()) for s in sample.sessions)
    cancelled = {c.id for c in sample.courses if c.status == CourseStatus.CANCELLED}
    assert all(
        s.status == SessionStatus.CANCELLED for s in sample.sessions if s.course in cancelled
    )
    counts = Counter(s.course for s in sample.sessions)
    assert all(counts[c.id] > 0 for c in sample.courses)


def test_sample_is_deterministic_for_a_day_and_follows_the_day(sample: Catalog) -> None:
    assert build_sample_catalog(TODAY, TZ) == sample
    later = build_sample_catalog(TODAY + timedelta(days=60), TZ)
    assert min(c.starts_on for c in later.courses) > min(c.starts_on for c in sample.courses)
