"""Turkish dates, times, lists, distances and suffixes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.formatting import (
    day_month_dative,
    day_month_locative,
    format_date,
    format_date_range,
    format_datetime,
    format_distance,
    format_duration,
    format_hours,
    format_short_date,
    format_time,
    format_time_range,
    format_weekdays,
    haversine_km,
    safe_button,
    tr_dative,
    tr_locative,
    tr_lower,
    tr_sort_key,
)

TZ = ZoneInfo("Europe/Istanbul")


def test_datetime_uses_turkish_month_weekday_and_dot_time() -> None:
    when = datetime(2026, 12, 2, 18, 30, tzinfo=TZ)
    assert format_datetime(when, TZ) == "2 Aralık Çarşamba, 18.30"


def test_datetime_is_shown_in_the_institution_time_zone() -> None:
    utc = datetime(2026, 12, 3, 15, 30, tzinfo=ZoneInfo("UTC"))
    assert format_datetime(utc, TZ) == "3 Aralık Perşembe, 18.30"


def test_dates_and_times() -> None:
    assert format_date(date(2026, 12, 5)) == "5 Aralık Cumartesi"
    assert format_short_date(date(2026, 12, 5)) == "5 Ara"
    assert format_time(time(9, 5)) == "09.05"
    assert format_time_range(time(18, 30), time(21, 30)) == "18.30–21.30"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 12, 2), date(2026, 12, 30), "2–30 Aralık"),
        (date(2026, 10, 2), date(2026, 12, 30), "2 Ekim – 30 Aralık"),
        (date(2026, 12, 2), date(2027, 2, 24), "2 Aralık 2026 – 24 Şubat 2027"),
        (date(2026, 12, 2), date(2026, 12, 2), "2 Aralık"),
    ],
)
def test_date_ranges(start: date, end: date, expected: str) -> None:
    assert format_date_range(start, end) == expected


def test_weekday_lists() -> None:
    assert format_weekdays(("wed", "mon")) == "Pazartesi ve Çarşamba"
    assert format_weekdays(("sat", "sun"), compact=True) == "Cumartesi, Pazar"
    assert format_weekdays(("mon", "wed", "fri")) == "Pazartesi, Çarşamba ve Cuma"
    assert format_weekdays(("xyz",)) == ""


def test_distances() -> None:
    assert format_distance(1.234) == "1,2 km"
    assert format_distance(0.85) == "850 m"
    assert format_distance(23.6) == "24 km"


def test_durations() -> None:
    assert format_hours(120) == "120 saat"
    assert format_duration(timedelta(hours=3)) == "3 saat"
    assert format_duration(timedelta(hours=2, minutes=30)) == "2 saat 30 dakika"
    assert format_duration(timedelta(minutes=45)) == "45 dakika"


@pytest.mark.parametrize(
    ("word", "locative", "dative"),
    [
        ("Buca", "Buca'da", "Buca'ya"),
        ("Konak", "Konak'ta", "Konak'a"),
        ("Çiğli", "Çiğli'de", "Çiğli'ye"),
        ("Ödemiş", "Ödemiş'te", "Ödemiş'e"),
        ("Karşıyaka", "Karşıyaka'da", "Karşıyaka'ya"),
        ("Bornova", "Bornova'da", "Bornova'ya"),
        ("İzmir", "İzmir'de", "İzmir'e"),
    ],
)
def test_turkish_suffixes(word: str, locative: str, dative: str) -> None:
    assert tr_locative(word) == locative
    assert tr_dative(word) == dative


def test_date_suffixes() -> None:
    assert day_month_locative(date(2026, 12, 5)) == "5 Aralık'ta"
    assert day_month_locative(date(2026, 11, 30)) == "30 Kasım'da"
    assert day_month_locative(date(2027, 9, 1)) == "1 Eylül'de"
    assert day_month_dative(date(2027, 2, 24)) == "24 Şubat'a"


def test_turkish_casing_and_order() -> None:
    assert tr_lower("İZMİR ISPARTA") == "izmir ısparta"
    names = ["Dikili", "Çiğli", "Buca", "Ödemiş", "Urla", "Çeşme"]
    assert sorted(names, key=tr_sort_key) == ["Buca", "Çeşme", "Çiğli", "Dikili", "Ödemiş", "Urla"]


def test_haversine() -> None:
    assert haversine_km(38.0, 27.0, 38.0, 27.0) == 0
    assert 110 < haversine_km(38.0, 27.0, 39.0, 27.0) < 112


def test_safe_button_refuses_oversized_payloads() -> None:
    assert safe_button("ok", "crs", "barista") is not None
    assert safe_button("too long", "crs", "x" * 70) is None
