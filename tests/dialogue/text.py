"""Text helpers for the dialogue checker: folding case and Turkish letters, finding names."""

from __future__ import annotations

import re
from collections.abc import Iterator

_FOLD = str.maketrans(
    {
        "İ": "i",
        "I": "i",
        "ı": "i",
        "ş": "s",
        "Ş": "s",
        "ğ": "g",
        "Ğ": "g",
        "ü": "u",
        "Ü": "u",
        "ö": "o",
        "Ö": "o",
        "ç": "c",
        "Ç": "c",
        "â": "a",
        "Â": "a",
        "î": "i",
        "Î": "i",
        "û": "u",
        "Û": "u",
        "\u0307": "",  # the dot some lowercasings leave on an i
        "’": "'",
        "‘": "'",
        "أ": "ا",  # Arabic alef forms, so month names match however they are spelled
        "إ": "ا",
        "آ": "ا",
        # Directional isolates around Turkish names and numbers in Arabic: invisible to readers.
        "\u2066": None,
        "\u2067": None,
        "\u2068": None,
        "\u2069": None,
    }
)
_SPACES = re.compile(r"[ \t\u00a0]+")

# A final consonant a Turkish suffix may soften: "Pastacılık" -> "pastacılığa".
_SOFTENED = {"k": "g", "p": "b", "t": "d"}


def fold(text: str) -> str:
    """Lowercase without Turkish diacritics ("İleri Excel'e" -> "ileri excel'e"), one space."""
    return _SPACES.sub(" ", text.translate(_FOLD).lower())


def name_pattern(folded_name: str) -> re.Pattern[str]:
    """Finds a folded name as words: not inside another word's start, suffixes allowed."""
    body = re.escape(folded_name).replace(r"\ ", r"\s+")
    alternatives = [body]
    last = folded_name[-1:]
    if last in _SOFTENED and len(folded_name) > 3:
        soft = re.escape(folded_name[:-1]).replace(r"\ ", r"\s+") + _SOFTENED[last]
        alternatives.append(soft + r"(?=[aeiou])")
    tail = "" if len(folded_name) >= 5 else r"(?![a-z0-9])"
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + ")" + tail)


def find_all(folded_name: str, folded_text: str) -> Iterator[tuple[int, int]]:
    """Spans where the name occurs in the text (both folded)."""
    for m in name_pattern(folded_name).finditer(folded_text):
        yield m.start(), m.end()


def sentences(folded_text: str) -> list[str]:
    """Lines and sentences of a folded text."""
    out: list[str] = []
    for line in folded_text.splitlines():
        out.extend(s.strip() for s in re.split(r"(?<=[.?!])\s+", line) if s.strip())
    return out


def shorten(text: str, limit: int = 220) -> str:
    """One line, at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
