"""Reminder timing: the evening before, minutes before, and quiet hours."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.reminder_policy import due_times, in_quiet, move_out_of_quiet

TZ = ZoneInfo("Europe/Istanbul")
QUIET = (time(21, 30), time(8, 30))


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, day, hh, mm, tzinfo=TZ)


def test_default_policy_for_an_evening_class() -> None:
    got = due_times(at(3, 18, 30), [("eve", time(18, 0)), ("before", 120)], QUIET, TZ)
    assert got == [("eve1800", at(2, 18)), ("m120", at(3, 16, 30))]


def test_a_reminder_inside_quiet_hours_moves_before_the_window() -> None:
    # 120 minutes before a 09:00 class is 07:00, inside 21:30–08:30: it goes out at 21:29.
    got = due_times(at(3, 9), [("before", 120)], QUIET, TZ)
    assert got == [("m120", at(2, 21, 29))]
    assert move_out_of_quiet(at(2, 23), QUIET) == at(2, 21, 29)
    assert move_out_of_quiet(at(2, 20), QUIET) == at(2, 20)


def test_quiet_hours_off_and_windows_that_do_not_wrap() -> None:
    assert due_times(at(3, 9), [("before", 120)], None, TZ) == [("m120", at(3, 7))]
    assert in_quiet(time(13, 0), (time(12, 0), time(14, 0)))
    assert not in_quiet(time(14, 0), (time(12, 0), time(14, 0)))
    assert in_quiet(time(23, 0), QUIET)
    assert in_quiet(time(7, 0), QUIET)


def test_minutes_before_and_utc_storage_agree() -> None:
    start = at(3, 18, 30).astimezone(ZoneInfo("UTC"))
    got = due_times(start, [("before", 2)], None, TZ)
    assert got[0][1] == at(3, 18, 28)
