"""When reminders go out: MF_REMINDERS offsets, moved out of quiet hours. Pure functions."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

Offset = tuple[str, int | time]  # ("eve", 18:00) or ("before", 120)


def kind_of(offset: Offset) -> str:
    """A stable name for an offset, part of each reminder's unique key: "eve1800", "m120"."""
    how, value = offset
    if how == "eve":
        assert isinstance(value, time)
        return f"eve{value:%H%M}"
    return f"m{value}"


def in_quiet(moment: time, quiet: tuple[time, time] | None) -> bool:
    """Whether a local clock time falls inside the quiet window (which may wrap midnight)."""
    if quiet is None:
        return False
    start, end = quiet
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def move_out_of_quiet(due: datetime, quiet: tuple[time, time] | None) -> datetime:
    """A due time inside quiet hours moves to the latest allowed moment before the window."""
    if quiet is None or not in_quiet(due.timetz().replace(tzinfo=None), quiet):
        return due
    start, _ = quiet
    candidate = due.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if candidate > due:  # the window began the evening before
        candidate -= timedelta(days=1)
    return candidate - timedelta(minutes=1)


def due_times(
    starts_at: datetime, offsets: list[Offset], quiet: tuple[time, time] | None, tz: ZoneInfo
) -> list[tuple[str, datetime]]:
    """The reminders of one session: (kind, aware due time), quiet hours respected."""
    local = starts_at.astimezone(tz)
    out: list[tuple[str, datetime]] = []
    for offset in offsets:
        how, value = offset
        if how == "eve":
            assert isinstance(value, time)
            day_before = (local - timedelta(days=1)).date()
            due = datetime.combine(day_before, value, tzinfo=tz)
        else:
            assert isinstance(value, int)
            due = local - timedelta(minutes=value)
        due = move_out_of_quiet(due, quiet)
        if due < local:
            out.append((kind_of(offset), due))
    return out
