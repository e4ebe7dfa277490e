"""Turkish text normalisation: casing, ASCII folding, cleaning, chat shorthand and tokens.

Every function here is total: any ``str`` (huge, emoji-only, Arabic, control characters)
gives a result and never raises.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_CHARS = 1000  # a question about a course never needs more; keeps the worst case cheap
MAX_TOKENS = 60

_TR_UPPER = str.maketrans({"İ": "i", "I": "ı"})
_FOLD = str.maketrans(
    {"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u", "â": "a", "î": "i", "û": "u"}
)
# An apostrophe inside a word separates a proper noun from its suffixes: "Buca'da" -> "Buca".
_APOSTROPHE_SUFFIX = re.compile(r"(?<=\w)['’‘`´ʼ′]\w*")
_NON_WORD = re.compile(r"[\W_]+")
_LONG_RUN = re.compile(r"(\D)\1{2,}")
_DROP_CATEGORIES = frozenset({"Cf", "Co", "Cs", "Cn", "Mn", "Me"})
_LATIN_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\xad]")


def _control_to_space(match: re.Match[str]) -> str:
    """Turns a control character into a space and drops a soft hyphen."""
    return "" if match.group() == "\xad" else " "


# Chat shorthand, keyed by the folded token, expanded to folded words.
SHORTHAND: dict[str, str] = {
    "mrb": "merhaba",
    "mrhb": "merhaba",
    "mrba": "merhaba",
    "meraba": "merhaba",
    "slm": "selam",
    "slmlar": "selamlar",
    "sa": "selamun aleykum",
    "sea": "selamun aleykum",
    "selamunaleykum": "selamun aleykum",
    "as": "aleykum selam",
    "tsk": "tesekkurler",
    "tskler": "tesekkurler",
    "tsklr": "tesekkurler",
    "tskrler": "tesekkurler",
    "sgol": "sagol",
    "saol": "sagol",
    "kib": "kendine iyi bak",
    "nbr": "ne haber",
    "naber": "ne haber",
    "bi": "bir",
    "nası": "nasil",
    "nasi": "nasil",
    "nerde": "nerede",
    "zmn": "zaman",
    "nzmn": "ne zaman",
    "nezaman": "ne zaman",
    "nrde": "nerede",
    "tmm": "tamam",
    "hk": "hakkinda",
    "hkk": "hakkinda",
    "tel": "telefon",
    "adr": "adres",
    "yrd": "yardim",
    "bsvr": "basvuru",
    "gnydn": "gunaydin",
    "pls": "please",
    "plz": "please",
    "lutfn": "lutfen",
    "varmi": "var mi",
    "yokmu": "yok mu",
}


def tr_lower(text: str) -> str:
    """Lowercases Turkish text correctly ('İ' -> 'i', 'I' -> 'ı')."""
    composed = unicodedata.normalize("NFC", text)
    return composed.translate(_TR_UPPER).lower().replace("i\u0307", "i")


def fold(text: str) -> str:
    """Folds lowercase Turkish letters (and other accents) to plain ASCII letters."""
    folded = text.translate(_FOLD)
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    )


def _strip_invisible(text: str) -> str:
    """Removes zero-width, format, private-use and combining characters; controls become spaces."""
    if not text or max(text) < "\u0300":  # Latin letters only: just controls and soft hyphens
        return _LATIN_CONTROL.sub(_control_to_space, text)
    out: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc":
            out.append(" ")
        elif category not in _DROP_CATEGORIES:
            out.append(ch)
    return "".join(out)


def clean(text: str) -> str:
    """Lowercases and cleans a message: no punctuation, emoji, invisible characters or suffixes
    after apostrophes; runs of three or more equal letters shrink to two."""
    cut = text[: MAX_CHARS * 2]
    normal = unicodedata.normalize("NFKC", cut)[:MAX_CHARS]
    lowered = tr_lower(_strip_invisible(normal))
    no_suffix = _APOSTROPHE_SUFFIX.sub("", lowered)
    spaced = _NON_WORD.sub(" ", no_suffix)
    return " ".join(_LONG_RUN.sub(r"\1\1", spaced).split())


def tokens(text: str) -> list[str]:
    """Splits a message into folded tokens, with chat shorthand expanded."""
    return list(_tokens(text))


@lru_cache(maxsize=1024)  # one message is split by several readers in the same turn
def _tokens(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for token in fold(clean(text)).split():
        if out and out[-1] == "e" and token.startswith("devlet"):  # "e-devlet", "e devlet"
            out[-1] = "e" + token  # one word, never the "e-" of "e-fatura" and "devlet"
            continue
        expansion = SHORTHAND.get(token)
        out.extend(expansion.split() if expansion else (token,))
        if len(out) >= MAX_TOKENS:
            break
    return tuple(out[:MAX_TOKENS])


def normalize(text: str) -> str:
    """Returns the folded, cleaned, shorthand-expanded form of a message as one string."""
    return " ".join(tokens(text))


def squeeze(token: str) -> str:
    """Collapses doubled letters ("merhabaa" -> "merhaba"), used when a token is unknown."""
    return re.sub(r"(\D)\1+", r"\1", token)
