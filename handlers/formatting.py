"""Turkish presentation helpers: dates, times, weekday lists, distances, suffixes, safe buttons.

Pure functions. Words come from Babel's locale data (month, day and unit names), never from
this file; sentences live in locales/. Times use the Turkish dot ("18.30"), which Babel's
default time format does not.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.dates import get_day_names
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.units import format_unit

from core.catalog import Branch, Center, Field
from core.messages import Button, Payload
from locales import RIGHT_TO_LEFT, isolate

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "tr"
WEEKDAY_CODES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Turkish puts the weekday after the date ("2 Aralık Çarşamba"), English and Arabic before it;
# Turkish writes times with a dot, the others with a colon. Other locales: the English order.
_DATE = {"tr": "d MMMM EEEE"}  # 2 Aralık Çarşamba / Wednesday 2 December
_FULL = {"tr": "d MMMM y EEEE"}  # 2 Aralık 2026 Çarşamba / Wednesday 2 December 2026
_TIME = {"tr": "HH.mm"}  # 18.30 / 18:30
_DATE_OTHER, _FULL_OTHER, _TIME_OTHER = "EEEE d MMMM", "EEEE d MMMM y", "HH:mm"
_DAY_MONTH = "d MMMM"  # 2 Aralık
_DAY_MONTH_YEAR = "d MMMM y"  # 2 Aralık 2026
_SHORT = "d MMM"  # 2 Ara

_TR_ALPHABET = "abcçdefgğhıijklmnoöprsştuüvyz"
_TR_ORDER = {ch: i for i, ch in enumerate(_TR_ALPHABET)}
_BACK_VOWELS = frozenset("aıouâû")
_FRONT_VOWELS = frozenset("eiöüî")
_VOICELESS = frozenset("fstkçşhp")


@lru_cache(maxsize=4096)  # Babel re-reads its locale data on every call
def format_date(d: date, locale: str = DEFAULT_LOCALE) -> str:
    """'2 Aralık Çarşamba', 'Wednesday 2 December'."""
    return _babel_date(d, _DATE.get(locale, _DATE_OTHER), locale=locale)


@lru_cache(maxsize=4096)  # Babel re-reads its locale data on every call
def format_full_date(d: date, locale: str = DEFAULT_LOCALE) -> str:
    """'2 Aralık 2026 Çarşamba', 'Wednesday 2 December 2026'."""
    return _babel_date(d, _FULL.get(locale, _FULL_OTHER), locale=locale)


@lru_cache(maxsize=4096)  # Babel re-reads its locale data on every call
def format_day_month_year(d: date, locale: str = DEFAULT_LOCALE) -> str:
    """'12 Mayıs 1998'."""
    return _babel_date(d, _DAY_MONTH_YEAR, locale=locale)


@lru_cache(maxsize=4096)  # Babel re-reads its locale data on every call
def format_day_month(d: date, locale: str = DEFAULT_LOCALE) -> str:
    """'5 Aralık'."""
    return _babel_date(d, _DAY_MONTH, locale=locale)


@lru_cache(maxsize=4096)  # Babel re-reads its locale data on every call
def format_short_date(d: date, locale: str = DEFAULT_LOCALE) -> str:
    """'5 Ara' (for short button labels)."""
    return _babel_date(d, _SHORT, locale=locale)


@lru_cache(maxsize=4096)  # Babel re-reads its locale data on every call
def format_time(t: time, locale: str = DEFAULT_LOCALE) -> str:
    """'18.30' in Turkish, '18:30' elsewhere."""
    return _babel_time(t, _TIME.get(locale, _TIME_OTHER), locale=locale)


def format_time_range(start: time, end: time, locale: str = DEFAULT_LOCALE) -> str:
    """'18.30–21.30'."""
    return f"{format_time(start, locale)}–{format_time(end, locale)}"


def format_datetime(dt: datetime, tz: ZoneInfo, locale: str = DEFAULT_LOCALE) -> str:
    """'2 Aralık Çarşamba, 18.30', in the institution's time zone."""
    local = dt.astimezone(tz)
    return f"{format_date(local.date(), locale)}{comma(locale)}{format_time(local.time(), locale)}"


def format_date_range(start: date, end: date, locale: str = DEFAULT_LOCALE) -> str:
    """'2–30 Aralık', '2 Aralık – 26 Şubat', or with years when they differ."""
    if start == end:
        return format_day_month(start, locale)
    if start.year != end.year:
        first = _babel_date(start, _DAY_MONTH_YEAR, locale=locale)
        last = _babel_date(end, _DAY_MONTH_YEAR, locale=locale)
        return f"{first} – {last}"
    if start.month == end.month:
        return f"{start.day}–{format_day_month(end, locale)}"
    return f"{format_day_month(start, locale)} – {format_day_month(end, locale)}"


@lru_cache(maxsize=4096)  # Babel re-reads its locale data on every call
def weekday_name(code: str, locale: str = DEFAULT_LOCALE) -> str:
    """'Pazartesi' for 'mon'."""
    names = get_day_names("wide", locale=locale)
    return str(names[WEEKDAY_CODES.index(code)])


@lru_cache(maxsize=256)
def short_weekday(code: str, locale: str = DEFAULT_LOCALE) -> str:
    """'Pzt' for 'mon' (Babel's abbreviated day name: 'Mon', 'الاثنين')."""
    names = get_day_names("abbreviated", locale=locale)
    return str(names[WEEKDAY_CODES.index(code)])


def format_weekdays(
    codes: Iterable[str], locale: str = DEFAULT_LOCALE, *, compact: bool = False
) -> str:
    """'Pazartesi ve Çarşamba'; compact: 'Cumartesi, Pazar'. Unknown codes are skipped."""
    ordered = sorted({c for c in codes if c in WEEKDAY_CODES}, key=WEEKDAY_CODES.index)
    return _weekdays(tuple(ordered), locale, compact)


@lru_cache(maxsize=1024)
def _weekdays(ordered: tuple[str, ...], locale: str, compact: bool) -> str:
    names = [weekday_name(c, locale) for c in ordered]
    if not names:
        return ""
    if compact:
        return comma(locale).join(names)
    return format_list(names, locale=locale)


def shown_name(item: Branch | Field | Center, locale: str = DEFAULT_LOCALE) -> str:
    """A catalog name for the reader: "Pastry Making (Pastacılık)" where the catalog has a
    translation in `locale`, the Turkish name (staff's and the certificate's) kept beside it."""
    translated = getattr(item, f"name_{locale}", "") if locale != DEFAULT_LOCALE else ""
    if not translated or translated == item.name:
        return item.name
    return f"{translated} ({isolate(item.name) if locale in RIGHT_TO_LEFT else item.name})"


def comma(locale: str = DEFAULT_LOCALE) -> str:
    """The list separator: ", ", and the Arabic comma "، " in Arabic."""
    return "، " if locale == "ar" else ", "


def format_distance(km: float, locale: str = DEFAULT_LOCALE) -> str:
    """'850 m', '1,2 km', '24 km'."""
    if km < 1:
        meters = max(10, round(km * 100) * 10)
        return format_unit(meters, "length-meter", length="short", locale=locale)
    pattern = "#,##0.0" if km < 10 else "#,##0"
    return format_unit(km, "length-kilometer", length="short", locale=locale, format=pattern)


def format_hours(hours: int, locale: str = DEFAULT_LOCALE) -> str:
    """'120 saat'."""
    return format_unit(hours, "duration-hour", locale=locale)


def format_weeks(weeks: int, locale: str = DEFAULT_LOCALE) -> str:
    """'12 hafta'."""
    return format_unit(weeks, "duration-week", locale=locale)


def format_duration(span: timedelta, locale: str = DEFAULT_LOCALE) -> str:
    """'3 saat', '45 dakika', '2 saat 30 dakika'."""
    minutes = max(0, round(span.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", locale=locale))
    if rest or not hours:
        parts.append(format_unit(rest, "duration-minute", locale=locale))
    return " ".join(parts)


def format_number(value: float, locale: str = DEFAULT_LOCALE) -> str:
    """'1.250' (Turkish grouping)."""
    return format_decimal(value, locale=locale)


def _last_vowel(word: str) -> str:
    for ch in reversed(tr_lower(word)):
        if ch in _BACK_VOWELS or ch in _FRONT_VOWELS:
            return ch
    return "e"


def tr_locative(word: str) -> str:
    """Proper noun + locative: 'Buca'da', 'Konak'ta', 'Çiğli'de', 'Aralık'ta'."""
    if not word:
        return word
    vowel = "a" if _last_vowel(word) in _BACK_VOWELS else "e"
    consonant = "t" if tr_lower(word[-1]) in _VOICELESS else "d"
    return f"{word}'{consonant}{vowel}"


def place_locative(word: str, locale: str = DEFAULT_LOCALE) -> str:
    """'Buca'da' in Turkish; the plain name elsewhere (English and Arabic sentences carry
    their own "in" / "في" around the placeholder)."""
    return tr_locative(word) if locale == "tr" else word


def tr_dative(word: str) -> str:
    """Proper noun + dative: 'Şubat'a', 'Eylül'e', 'Buca'ya'."""
    if not word:
        return word
    vowel = "a" if _last_vowel(word) in _BACK_VOWELS else "e"
    last = tr_lower(word[-1])
    buffer = "y" if last in _BACK_VOWELS or last in _FRONT_VOWELS else ""
    return f"{word}'{buffer}{vowel}"


def day_month_locative(d: date, locale: str = DEFAULT_LOCALE) -> str:
    """'5 Aralık'ta' (Turkish only; other locales get the plain date)."""
    text = format_day_month(d, locale)
    return tr_locative(text) if locale == "tr" else text


def day_month_dative(d: date, locale: str = DEFAULT_LOCALE) -> str:
    """'26 Şubat'a' (Turkish only; other locales get the plain date)."""
    text = format_day_month(d, locale)
    return tr_dative(text) if locale == "tr" else text


def tr_lower(text: str) -> str:
    """Lowercases with Turkish rules (I→ı, İ→i)."""
    return text.replace("I", "ı").replace("İ", "i").lower()


@lru_cache(maxsize=8192)
def tr_sort_key(text: str) -> tuple[int, ...]:
    """Orders words by the Turkish alphabet (Çiğli after Buca, before Dikili)."""
    return tuple(_TR_ORDER.get(ch, 100 + ord(ch)) for ch in tr_lower(text))


def safe_button(label: str, action: str, *args: str) -> Button | None:
    """A button, or None (logged) when its payload would not fit the 64-byte limit."""
    try:
        return Button.of(label, action, *args)
    except ValueError:
        log.warning("button payload too long: action=%s args=%s", action, args)
        return None


def buttons(*candidates: Button | None) -> tuple[Button, ...]:
    """Drops the buttons that could not be built."""
    return tuple(b for b in candidates if b is not None)


def payload_fits(action: str, *args: str) -> bool:
    """Whether a payload with these parts fits the limit."""
    try:
        Payload(action, args).encode()
    except ValueError:
        return False
    return True


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
