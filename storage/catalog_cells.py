"""Parses one catalog cell (text, number, date, time, weekdays…) with Turkish error messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from core.catalog import WEEKDAYS, CourseStatus, SessionStatus
from storage.catalog_columns import fold

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?")
_TR_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?")
_TR_DATETIME = re.compile(
    r"(\d{1,2})[./](\d{1,2})[./](\d{4})[ T]+(\d{1,2})[:.](\d{2})(?::(\d{2}))?"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)

_DAY_WORDS: dict[str, tuple[str, ...]] = {
    "mon": ("mon", "monday", "pazartesi", "pzt", "pts", "pt", "ptesi"),
    "tue": ("tue", "tues", "tuesday", "sali", "sal", "sl"),
    "wed": ("wed", "wednesday", "carsamba", "car", "crs", "crsb"),
    "thu": ("thu", "thur", "thurs", "thursday", "persembe", "per", "prs", "prsb"),
    "fri": ("fri", "friday", "cuma", "cum", "cu"),
    "sat": ("sat", "saturday", "cumartesi", "cmt", "cts", "ct", "cmts"),
    "sun": ("sun", "sunday", "pazar", "paz", "pz"),
}
_DAYS = {word: day for day, words in _DAY_WORDS.items() for word in words}
_DAY_GROUPS = {
    "hafta ici": WEEKDAYS[:5],
    "haftaici": WEEKDAYS[:5],
    "hafta sonu": WEEKDAYS[5:],
    "haftasonu": WEEKDAYS[5:],
    "her gun": WEEKDAYS,
    "weekdays": WEEKDAYS[:5],
    "weekend": WEEKDAYS[5:],
}
TR_DAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"),
        strict=True,
    )
)

_COURSE_STATUS = {
    "open": CourseStatus.OPEN, "acik": CourseStatus.OPEN, "basvuruya_acik": CourseStatus.OPEN,
    "full": CourseStatus.FULL, "dolu": CourseStatus.FULL,
    "closed": CourseStatus.CLOSED, "kapali": CourseStatus.CLOSED,
    "kapandi": CourseStatus.CLOSED, "basvuru_kapali": CourseStatus.CLOSED,
    "cancelled": CourseStatus.CANCELLED, "canceled": CourseStatus.CANCELLED,
    "iptal": CourseStatus.CANCELLED, "iptal_edildi": CourseStatus.CANCELLED,
    "archived": CourseStatus.ARCHIVED, "arsiv": CourseStatus.ARCHIVED,
    "arsivlendi": CourseStatus.ARCHIVED,
}  # fmt: skip
TR_COURSE_STATUS = {
    CourseStatus.OPEN: "açık",
    CourseStatus.FULL: "dolu",
    CourseStatus.CLOSED: "kapalı",
    CourseStatus.CANCELLED: "iptal",
    CourseStatus.ARCHIVED: "arşiv",
}
_SESSION_STATUS = {
    "scheduled": SessionStatus.SCHEDULED, "planli": SessionStatus.SCHEDULED,
    "planlandi": SessionStatus.SCHEDULED, "yapilacak": SessionStatus.SCHEDULED,
    "cancelled": SessionStatus.CANCELLED, "canceled": SessionStatus.CANCELLED,
    "iptal": SessionStatus.CANCELLED, "iptal_edildi": SessionStatus.CANCELLED,
}  # fmt: skip
TR_SESSION_STATUS = {SessionStatus.SCHEDULED: "planlı", SessionStatus.CANCELLED: "iptal"}
_TRUE = {"true", "evet", "e", "yes", "y", "1", "x", "var"}
_FALSE = {"false", "hayir", "h", "no", "n", "0", "yok"}


class CellError(ValueError):
    """A cell that cannot be read; the message is Turkish and shown to staff."""


def is_blank(value: object) -> bool:
    """True for an empty cell (None, "", whitespace, an empty list)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()
    return isinstance(value, list | tuple) and not value


def _show(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return f"“{value}”"


def parse_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_slug(value: object) -> str:
    text = parse_text(value)
    if not SLUG.fullmatch(text):
        hint = fold(text).replace("_", "-") or "barista-buca"
        raise CellError(
            f"{_show(text)} geçerli bir kimlik değil: yalnızca küçük harf (a-z), rakam ve tire "
            f"kullanın (örnek: {hint})"
        )
    return text


def parse_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+(?:[.,]0+)?", value.strip()):
        return int(re.split(r"[.,]", value.strip())[0])
    raise CellError(f"{_show(value)} bir tam sayı değil")


def _parse_float(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            pass
    raise CellError(f"{_show(value)} bir sayı değil (örnek: 38.4350)")


def parse_lat(value: object) -> float:
    number = _parse_float(value)
    if not -90 <= number <= 90:
        raise CellError(f"enlem -90 ile 90 arasında olmalı, {number} verilmiş")
    return number


def parse_lon(value: object) -> float:
    number = _parse_float(value)
    if not -180 <= number <= 180:
        raise CellError(f"boylam -180 ile 180 arasında olmalı, {number} verilmiş")
    return number


def _excel_serial(value: float) -> datetime:
    return _round_second(_EXCEL_EPOCH + timedelta(days=value))


def _round_second(value: datetime) -> datetime:
    if value.microsecond:
        return (value + timedelta(microseconds=500_000)).replace(microsecond=0)
    return value


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return _excel_serial(float(value)).date()
    text = str(value).strip()
    iso, tr = _ISO_DATE.fullmatch(text), _TR_DATE.fullmatch(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if tr:
            return date(int(tr[3]), int(tr[2]), int(tr[1]))
    except ValueError:
        pass
    raise CellError(f"{_show(text)} geçerli bir tarih değil (örnek: 01.12.2026 ya da 2026-12-01)")


def parse_time(value: object) -> time:
    if isinstance(value, datetime):
        return _round_second(value).time()
    if isinstance(value, time):
        return value.replace(microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:
        return _excel_serial(value).time()
    text = parse_text(value)
    match = _TIME.fullmatch(text)
    if match:
        try:
            return time(int(match[1]), int(match[2]), int(match[3] or 0))
        except ValueError:
            pass
    raise CellError(f"{_show(text)} geçerli bir saat değil (örnek: 18:30)")


def parse_datetime(value: object) -> datetime:
    """A date and time; naive values are local times, aware ones keep their offset."""
    if isinstance(value, datetime):
        return _round_second(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return _excel_serial(float(value))
    text = str(value).strip()
    try:
        if text[4:5] == "-" and ":" in text:
            return _round_second(datetime.fromisoformat(text))
        tr = _TR_DATETIME.fullmatch(text)
        if tr:
            day, month, year, hour, minute, second = (int(g or 0) for g in tr.groups())
            return datetime(year, month, day, hour, minute, second)
    except ValueError:
        pass
    raise CellError(
        f"{_show(text)} geçerli bir tarih ve saat değil "
        "(örnek: 2026-12-02T18:30 ya da 02.12.2026 18:30)"
    )


def _fold_keep_separators(text: str) -> str:
    return (
        text.replace("İ", "i")
        .replace("I", "ı")
        .lower()
        .translate(str.maketrans("çğıöşü", "cgiosu"))
    )


def parse_weekdays(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    found: set[str] = set()
    for item in items:
        text = _fold_keep_separators(parse_text(item))
        for phrase, days in _DAY_GROUPS.items():
            if phrase in text:
                found.update(days)
                text = text.replace(phrase, " ")
        for token in re.split(r"[,;/+&\s]+|\bve\b", text):
            token = token.strip(" .")
            if not token:
                continue
            ends = [_DAYS.get(part.strip(" .")) for part in re.split(r"[-–]", token)]
            if len(ends) == 1 and ends[0]:
                found.add(ends[0])
            elif len(ends) == 2 and ends[0] and ends[1]:
                first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[1])
                found.update(WEEKDAYS[first : last + 1] if first <= last else ())
            else:
                raise CellError(
                    f"“{token}” bilinen bir gün değil (örnek: Pazartesi, Çarşamba ya da mon,wed)"
                )
    if not found:
        raise CellError("en az bir gün yazılmalı (örnek: Pazartesi, Çarşamba)")
    return tuple(d for d in WEEKDAYS if d in found)


def parse_course_status(value: object) -> CourseStatus:
    status = _COURSE_STATUS.get(fold(parse_text(value)))
    if status is None:
        raise CellError(
            f"{_show(value)} bilinen bir durum değil (open/açık, full/dolu, closed/kapalı, "
            "cancelled/iptal, archived/arşiv)"
        )
    return status


def parse_session_status(value: object) -> SessionStatus:
    status = _SESSION_STATUS.get(fold(parse_text(value)))
    if status is None:
        raise CellError(
            f"{_show(value)} bilinen bir durum değil (scheduled/planlı, cancelled/iptal)"
        )
    return status


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = fold(parse_text(value))
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(f"{_show(value)} evet ya da hayır olmalı")


def parse_keywords(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        parts = [parse_text(v) for v in value]
    else:
        text = parse_text(value)
        parts = re.split(r"[;\n]" if ";" in text or "\n" in text else ",", text)
    return tuple(p.strip() for p in parts if p.strip())


PARSERS: dict[str, Callable[[object], Any]] = {
    "slug": parse_slug,
    "text": parse_text,
    "int": parse_int,
    "lat": parse_lat,
    "lon": parse_lon,
    "date": parse_date,
    "time": parse_time,
    "datetime": parse_datetime,
    "weekdays": parse_weekdays,
    "course_status": parse_course_status,
    "session_status": parse_session_status,
    "bool": parse_bool,
    "keywords": parse_keywords,
}
