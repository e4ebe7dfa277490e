"""Time cues in a message: part of day, weekdays, weekend, relative dates and numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlu.morph import is_noun_chain

# Day names (folded) to weekday codes; longer names first so "cumartesi" is not "cuma".
_DAYS: tuple[tuple[str, str], ...] = (
    ("cumartesi", "sat"),
    ("pazartesi", "mon"),
    ("carsamba", "wed"),
    ("persembe", "thu"),
    ("pazar", "sun"),
    ("sali", "tue"),
    ("cuma", "fri"),
)
_MORNING = ("sabah", "sabahlari", "sabahci", "morning")
_NOON = ("ogle", "oglen", "ogleden", "oglenleri", "ogleyin", "ikindi", "afternoon")
_EVENING = ("aksam", "aksamlari", "aksamci", "gece", "geceleri", "evening")
_TODAY_PARTS = frozenset({"gun", "aksam", "sabah", "ogle", "oglen", "gece"})
_UNITS = {"hafta": "week", "haftaya": "week", "haftaki": "week", "ay": "month", "aya": "month"}
_MAX_NUMBER = 10**9


@dataclass(frozen=True, slots=True)
class TimeCues:
    """Structured time expressions found in a message."""

    time_of_day: str | None = None  # morning | afternoon | evening
    weekdays: tuple[str, ...] = ()  # mon..sun
    weekend: bool | None = None
    relative_date: str | None = None  # today | tomorrow | this_week | next_week | ...
    numbers: tuple[int, ...] = ()


def _starts(token: str, stems: Sequence[str]) -> bool:
    """Tells whether a token is one of the stems, maybe followed by a case suffix."""
    return any(token.startswith(s) and is_noun_chain(token[len(s) :], s[-1]) for s in stems)


def _day(token: str) -> str | None:
    """Returns the weekday code a token names ("salilari" -> "tue")."""
    for name, code in _DAYS:
        if token.startswith(name) and is_noun_chain(token[len(name) :], name[-1]):
            return code
    return None


def _part_of_day(words: Sequence[str], index: int) -> str | None:
    """Returns the part of day a word starts ("öğleden sonra" -> afternoon)."""
    token = words[index]
    following = words[index + 1] if index + 1 < len(words) else ""
    if token == "ogleden" and following == "once":
        return "morning"
    if _starts(token, _NOON):
        return "afternoon"
    if _starts(token, _MORNING):
        return "morning"
    if _starts(token, _EVENING) or (token == "is" and following.startswith("cikis")):
        return "evening"
    return None


def _relative(words: Sequence[str], index: int) -> str | None:
    """Returns the relative date a word starts ("gelecek hafta" -> next_week)."""
    token = words[index]
    following = words[index + 1] if index + 1 < len(words) else ""
    if token in ("bugun", "bugunku", "today") or (token == "bu" and following in _TODAY_PARTS):
        return "today"
    if token in ("yarin", "yarinki", "tomorrow"):
        return "tomorrow"
    if token == "haftaya":
        return "next_week"
    unit = _UNITS.get(following)
    if unit and token == "bu":
        return f"this_{unit}"
    if unit and token in ("gelecek", "onumuzdeki", "sonraki", "ertesi", "next"):
        return f"next_{unit}"
    return None


def asks_earliest(words: Sequence[str]) -> bool:
    """ "en erken başlayan", "ilk açılacak olan", "en yakın tarihli": the first offering."""
    for index, token in enumerate(words[:-1]):
        following = words[index + 1]
        if token == "en" and following.startswith(("erken", "once", "yakin tarih")):
            return True
        if token in ("ilk", "once") and following.startswith(_STARTING):
            return True
    return False


_STARTING = ("basla", "acil", "acila")


def find_time_cues(words: Sequence[str]) -> TimeCues:
    """Reads part of day, weekdays, weekend, relative date and numbers from folded words."""
    part: str | None = None
    relative: str | None = None
    weekend: bool | None = None
    days: list[str] = []
    numbers: list[int] = []
    for index, token in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if token.isdigit() and len(token) <= 9:
            numbers.append(min(int(token), _MAX_NUMBER))
            continue
        if token.startswith("hafta") and (following.startswith("sonu") or "sonu" in token):
            weekend = True
        elif token.startswith("hafta") and (following.startswith("ici") or "ici" in token):
            weekend = False if weekend is None else weekend
        if token == "weekend":
            weekend = True
        code = _day(token)
        if code and code not in days:
            days.append(code)
        part = part or _part_of_day(words, index)
        relative = relative or _relative(words, index)
    if weekend is None and days:
        if all(d in ("sat", "sun") for d in days):
            weekend = True
        elif all(d not in ("sat", "sun") for d in days):
            weekend = False
    return TimeCues(part, tuple(days), weekend, relative, tuple(numbers))
