"""How a reply may write a start day and month: Turkish, numeric, English or Arabic."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from tests.dialogue.text import fold

TR_MONTHS = ("ocak", "subat", "mart", "nisan", "mayis", "haziran", "temmuz", "agustos",
             "eylul", "ekim", "kasim", "aralik")  # fmt: skip
EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december")  # fmt: skip
# Arabic month names as Egypt and the Gulf write them, then as Syria and Iraq do.
AR_MONTHS = (
    ("يناير", "كانون الثاني"),
    ("فبراير", "شباط"),
    ("مارس", "آذار"),
    ("أبريل", "إبريل", "نيسان"),
    ("مايو", "أيار"),
    ("يونيو", "يونيه", "حزيران"),
    ("يوليو", "يوليه", "تموز"),
    ("أغسطس", "آب"),
    ("سبتمبر", "أيلول"),
    ("أكتوبر", "تشرين الأول"),
    ("نوفمبر", "تشرين الثاني"),
    ("ديسمبر", "كانون الأول"),
)
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_ANY_DIGIT = r"0-9٠-٩۰-۹"


def _alternatives(words: list[str]) -> str:
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) + ")"


@lru_cache(maxsize=1024)
def date_pattern(day: date) -> re.Pattern[str]:
    """Finds the day and month of `day` in folded text: "8 Aralık", "8 Ara", "08.12",
    "8 December", "December 8", "Dec 8", "٨ ديسمبر"."""
    d, m = day.day, day.month
    western = [f"0{d}", str(d)] if d < 10 else [str(d)]
    days = _alternatives(western)
    tr_full, tr_abbr = TR_MONTHS[m - 1], TR_MONTHS[m - 1][:3]
    en_full, en_abbr = EN_MONTHS[m - 1], EN_MONTHS[m - 1][:3]
    ar_days = _alternatives(
        [*western, *(w.translate(_ARABIC_DIGITS) for w in western)]
        + [w.translate(_PERSIAN_DIGITS) for w in western]
    )
    ar_months = _alternatives([fold(n) for n in AR_MONTHS[m - 1]])
    en_month = rf"(?:{en_full}|{en_abbr}t?\.?)(?![a-z])"
    parts = [
        rf"(?<![0-9]){days}\s+(?:{tr_full}|{tr_abbr}(?![a-z]))",
        # "08.12", "8.12", "8.12.2026"; a one-digit month only before a year ("Sayfa 1/4",
        # "1.4" are no dates)
        rf"(?<![0-9.]){days}\.(?:{m:02d}|{m}(?=\.[0-9]{{2}}))(?![0-9])",
        rf"(?<![0-9]){days}(?:st|nd|rd|th)?\s+(?:of\s+)?{en_month}",
        rf"(?<![a-z]){en_month}\s+{days}(?:st|nd|rd|th)?(?![0-9])",
        rf"(?<![{_ANY_DIGIT}]){ar_days}\s*{ar_months}",
        rf"{ar_months}\s*{ar_days}(?![{_ANY_DIGIT}])",
    ]
    return re.compile("|".join(f"(?:{p})" for p in parts))
