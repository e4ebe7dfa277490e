"""Checks for what citizens type into the application form: pure functions, no I/O."""

from __future__ import annotations

import re
from datetime import date

import phonenumbers

_MONTHS = {
    "ocak": 1, "subat": 2, "mart": 3, "nisan": 4, "mayis": 5, "haziran": 6, "temmuz": 7,
    "agustos": 8, "eylul": 9, "ekim": 10, "kasim": 11, "aralik": 12,
}  # fmt: skip
_FOLD = str.maketrans("çğıöşüâîûÇĞIİÖŞÜ", "cgiosuaiucgiiosu")
_NAME_OK = re.compile(r"^[A-Za-zÇĞİÖŞÜçğıöşüÂÎÛâîû'’.\- ]+$")
# Terminal escape sequences (CSI, OSC and two-character ones; 8-bit CSI too), taken out whole
# so "\x1b[31m" leaves nothing behind.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?"
)
# Controls (C0, DEL, C1) but newline and tab; bidi embeddings, overrides, isolates and marks;
# invisible zero-width characters (ZWJ/ZWNJ stay: emoji and scripts need them).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff]"
)
_LINE_ENDS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\t": " "})


# Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits, as phones type them, to ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def ascii_digits(text: str) -> str:
    """Writes Arabic-Indic digits as 0-9, so an id, a phone or a date reads the same."""
    return text.translate(_DIGITS)


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Free text as typed, without what could mislead a terminal or a reader: escape sequences,
    control characters, bidi overrides and isolates, zero-width characters. Tabs become spaces;
    line ends become "\\n", or spaces when `multiline` is False."""
    text = text.replace("\r\n", "\n").translate(_LINE_ENDS)
    text = _INVISIBLE.sub("", _ESCAPES.sub("", text))
    return text if multiline else text.replace("\n", " ")


def national_id_problem(text: str) -> str | None:
    """None for a valid T.C. kimlik no; else why not: digits, length, first, checksum."""
    digits = re.sub(r"[\s.-]", "", text)
    if not digits.isdigit():
        return "not_digits"
    if len(digits) != 11:
        return "length"
    if digits[0] == "0":
        return "first_zero"
    d = [int(c) for c in digits]
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    if d10 != d[9] or sum(d[:10]) % 10 != d[10]:
        return "checksum"
    return None


def search_key(text: str) -> str:
    """A name as staff search for it: Turkish-aware lower case, no diacritics, single spaces
    ("ŞAHİN Ayşe" and "sahin ayse" have the same key)."""
    lowered = text.replace("İ", "i").replace("I", "ı").lower()
    return " ".join(lowered.translate(_FOLD).split())


def clean_national_id(text: str) -> str:
    return re.sub(r"[\s.-]", "", text)


def parse_birth_date(text: str) -> date | None:
    """12.05.1998, 12/05/1998, 12-05-1998, 1998-05-12 or 12 Mayıs 1998; None if impossible."""
    s = text.strip().lower().translate(_FOLD)
    m = re.fullmatch(r"(\d{1,2})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{4})", s)
    if m:
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})\s+([a-z]+)\s+(\d{4})", s):
        name = m[2]
        month = _MONTHS.get(name) or next((v for k, v in _MONTHS.items() if k[:3] == name[:3]), 0)
        day, year = int(m[1]), int(m[3])
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def age_on(birth: date, on: date) -> int:
    """Full years of age on a given day."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def normalise_phone(text: str, region: str = "TR") -> str | None:
    """A Turkish mobile or landline in E.164 (+905321234567), or None."""
    raw = text.strip()
    if not re.fullmatch(r"[+\d\s().\-]{7,25}", raw):
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 90 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_name(text: str) -> str | None:
    """A plausible full name (two to five words of letters), Turkish-title-cased; else None."""
    words = text.split()
    if not 2 <= len(words) <= 5 or len(text) > 80 or not _NAME_OK.match(text):
        return None
    if any(len(w.strip("'’.-")) < 2 for w in words):
        return None
    return " ".join(_title_tr(w) for w in words)


def _title_tr(word: str) -> str:
    first, rest = word[0], word[1:]
    first = {"i": "İ", "ı": "I"}.get(first, first.upper())
    rest = rest.replace("I", "ı").replace("İ", "i").lower()
    return first + rest


def mask_id(national_id: str) -> str:
    """Shows only the first two and last two digits: 12*******78."""
    if len(national_id) < 5:
        return "*" * len(national_id)
    return national_id[:2] + "*" * (len(national_id) - 4) + national_id[-2:]


_ID_LIKE = re.compile(r"(?<!\d)[1-9]\d{2}(?:[ .-]?\d{3}){2}[ .-]?\d{2}(?!\d)")


def mask_national_ids(text: str) -> str:
    """Free text with every valid T.C. kimlik no in it masked (12*******50): an id is kept
    only sealed, even when someone writes it into a question for staff."""

    def mask(found: re.Match[str]) -> str:
        digits = clean_national_id(found.group())
        return mask_id(digits) if national_id_problem(digits) is None else found.group()

    return _ID_LIKE.sub(mask, text)


# Seven or more digits, maybe grouped by spaces, dots, dashes or brackets: a phone or an id.
_LONG_NUMBER = re.compile(r"\+?\d(?:[ .()-]*\d){6,}")


def mask_long_numbers(text: str) -> str:
    """Free text with every phone- or id-like number masked but its last two digits (0532 ***
    ** 67): what staff read in the inbox needs the words, never a number to copy."""

    def mask(found: re.Match[str]) -> str:
        value = found.group()
        keep = [i for i, ch in enumerate(value) if ch.isdigit()][-2:]
        return "".join("*" if ch.isdigit() and i not in keep else ch for i, ch in enumerate(value))

    return _LONG_NUMBER.sub(mask, text)


def mask_user(user: str) -> str:
    """A user key safe for logs: the channel and the last three characters of the id."""
    channel, _, ident = user.partition(":")
    return f"{channel}:…{ident[-3:]}" if len(ident) > 3 else f"{channel}:…"
