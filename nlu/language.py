"""Which language a message is written in: Turkish, English or Arabic (offline, word lists).

Arabic is told by its script; English by its function words outnumbering Turkish ones. A short
or mixed message stays Turkish: a Turkish sentence with "ok" or "online" in it is still Turkish.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["tr", "en", "ar"]

_WORD = re.compile(r"[a-zçğıöşüâîû']+")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")

# Words that are common in English and never (or hardly ever) Turkish.
_ENGLISH = frozenset(  # a word list reads best as words
    """
    the a an is are was were be been am do does did can could would should will shall may i
    you he she we they it my your our their me us them this that these those there here what
    when where which who whom why how whose and or but if then than so not no yes please
    thanks thank hello hi hey of to in on at for from with about into by as up out over
    course courses class classes lesson lessons apply application register sign join start
    starts begin free cost fee price certificate learn want need like have has get find near
    nearest person someone talk speak help english language only also any some
    """.split()  # noqa: SIM905
)
# Turkish function words and common words that English does not use.
_TURKISH = frozenset(  # a word list reads best as words
    """
    ve ile bir bu şu o da de mi mı mu mü ne neden nasıl nerede nerde hangi kaç için gibi var
    yok ben sen biz siz onlar benim bana beni kurs kursu kursa kurslar kursları istiyorum
    istiyom merhaba selam evet hayır tamam lütfen teşekkürler sağol başvuru başvurmak kayıt
    ücretli ücretsiz zaman saat gün hafta
    """.split()  # noqa: SIM905
)
_FOLDED_TURKISH = (
    frozenset(w.translate(str.maketrans("çğıöşü", "cgiosu")) for w in _TURKISH) | _TURKISH
)


def detect_language(text: str) -> Language:
    """The language of a message: "ar" for Arabic script, "en" for English, else "tr"."""
    sample = text[:500]
    letters = len(_LETTER.findall(sample))
    if letters and len(_ARABIC.findall(sample)) / letters >= 0.3:
        return "ar"
    words = _WORD.findall(sample.replace("İ", "i").replace("I", "ı").lower())
    if not words:
        return "tr"
    english = sum(1 for w in words if w in _ENGLISH)
    turkish = sum(1 for w in words if w in _FOLDED_TURKISH)
    if english >= 2 and english > 2 * turkish and english * 3 >= len(words):
        return "en"
    return "tr"


# A whole message naming a language chooses it ("English", "العربية", "Türkçe").
_CHOICES: dict[str, Language] = {
    "english": "en",
    "in english": "en",
    "english please": "en",
    "turkish": "tr",
    "türkçe": "tr",
    "turkce": "tr",
    "türkçe lütfen": "tr",
    "turkce lutfen": "tr",
    "arabic": "ar",
    "العربية": "ar",
    "عربي": "ar",
    "بالعربي": "ar",
    "بالعربية": "ar",
    "اللغة العربية": "ar",
}
_ENDS = re.compile(r"^[\s\W_]+|[\s\W_]+$")


def language_choice(text: str) -> Language | None:
    """The language a whole message names ("English", "العربية", "Türkçe"), else None."""
    words = " ".join(_ENDS.sub("", text[:40]).replace("İ", "i").replace("I", "ı").lower().split())
    return _CHOICES.get(words)


def decisive_language(text: str) -> Language | None:
    """The language a message is surely written in, or None when it could be any.

    Arabic script decides alone; English needs its function words to outnumber Turkish ones
    (``detect_language``), so "ok", "merhaba" or a Turkish sentence with "online" decide nothing.
    """
    found = detect_language(text)
    return None if found == "tr" and not _TURKISH_SURE.search(text) else found


# Letters only Turkish uses among the three: a message with them is Turkish.
_TURKISH_SURE = re.compile(r"[çğışöüÇĞİŞÖÜ]")
