"""What a reply asks, whether it is a fallback, and which language it is in.

Recognised by common words, never by one wording: a sentence asks when it has a question mark
or an asking word ("yazın", "nedir", "misiniz", "seçin"...); the kind of question comes from
the topic words in the asking sentences.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tests.dialogue.text import fold, sentences

KINDS = ("consent", "confirm", "name", "tckn", "birth", "phone", "district", "education",
         "employment")  # fmt: skip

_ASKING = re.compile(
    r"\?|(?<![a-z])(?:yazin|yaziniz|yazar mi\w*|nedir|nelerdir|mi(?:siniz|sin)|mu(?:sunuz|sun)"
    r"|secin|seciniz|secer mi\w*|belirtin|belirtir mi\w*|paylasin|gonderin|ister mi\w*"
    r"|please (?:enter|type|write|choose|send|share))(?![a-z])"
)
_FIELD_WORDS: dict[str, re.Pattern[str]] = {
    "name": re.compile(r"(?<![a-z])(?:adiniz|adinizi|ad ?soyad|soyadiniz|isminiz|your name)"),
    "tckn": re.compile(r"kimlik|(?<![a-z])t\.? ?c\.? no|(?<![a-z])tckn|id number|national id"),
    "birth": re.compile(r"dogum|kac yasinda|yasiniz|birth"),
    "phone": re.compile(r"telefon|cep numara|(?<![a-z])gsm|phone"),
    "district": re.compile(r"ilce|oturuyorsunuz|oturdugunuz|ikamet|yasiyorsunuz|district"),
    "education": re.compile(r"egitim durum|ogrenim durum|mezuniyet|hangi okul|education"),
    "employment": re.compile(r"calisiyor musunuz|calisma durum|is durum|employ"),
}
_CONSENT_TEXT = re.compile(r"kvkk|kisisel veri|aydinlatma|personal data")
_CONSENT_ASK = re.compile(r"onay|izin|kabul|consent|agree")
_SUMMARY_LABELS = re.compile(
    r"(?m)^\s*(?:kurs|merkez|ad soyad|ad|t\.c\. kimlik no|kimlik no|dogum tarihi|telefon|ilce"
    r"|egitim|calisma durumu)\s*:"
)
_CONFIRM_ASK = re.compile(r"gonder|dogru mu|dogruysa|onayl|kontrol|send|correct|confirm")

FALLBACKS = (
    "anlayamadim", "anlamadim", "anlasamadik", "yardimci olamiyorum", "yardimci olamam",
    "seceneklerden birini secin", "bu komutu tanimiyorum", "can't help", "cannot help",
    "can not help", "didn't understand", "did not understand", "don't understand",
    "do not understand", "please pick", "please choose one", "لم أفهم", "لم افهم",
)  # fmt: skip

Reply = Mapping[str, Any]


def asked_kinds(reply: Reply | None) -> set[str]:
    """The kinds of question a reply asks (empty when it asks none of them)."""
    if reply is None:
        return set()
    text = fold(str(reply.get("text", "")))
    asking = [s for s in sentences(text) if _ASKING.search(s)]
    found = {kind for kind, words in _FIELD_WORDS.items() if any(words.search(s) for s in asking)}
    # A course list that asks "which district?" is a filter, not the form's question.
    if "district" in found and all(
        "kurs" in s for s in asking if _FIELD_WORDS["district"].search(s)
    ):
        found.discard("district")
    if (
        _CONSENT_TEXT.search(text)
        and reply.get("buttons")
        and any(_CONSENT_ASK.search(s) for s in asking)
    ):
        found = {"consent"}
    elif len(_SUMMARY_LABELS.findall(text)) >= 3 and any(_CONFIRM_ASK.search(s) for s in asking):
        found = {"confirm"}
    return found


def is_fallback(replies: Sequence[Reply]) -> str | None:
    """The fallback phrase a turn's replies contain, if any."""
    text = fold(" ".join(str(r.get("text", "")) for r in replies))
    return next((f for f in FALLBACKS if fold(f) in text), None)


_EN = frozenset(
    ("the", "a", "an", "and", "or", "is", "are", "was", "be", "to", "of", "in", "on", "for",
     "with", "you", "your", "we", "our", "can", "i", "it", "this", "that", "how", "what", "when",
     "where", "which", "who", "course", "courses", "apply", "please", "here", "there", "have",
     "has", "not", "do", "does", "will", "from", "at", "by", "about", "if", "any", "all", "more")
)  # fmt: skip
_TR = frozenset(
    ("ve", "veya", "ile", "bir", "bu", "şu", "o", "için", "de", "da", "mi", "mı", "mu", "mü",
     "ne", "var", "yok", "çok", "gibi", "daha", "en", "ama", "ya", "her", "kadar", "sonra",
     "nasıl", "hangi", "olarak", "olan", "siz", "size", "sizi", "biz", "ben")
)  # fmt: skip
_TR_FOLDED = frozenset(fold(w) for w in _TR)
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def language_problem(replies: Sequence[Reply], language: str) -> str | None:
    """Why the turn's text is not mostly in `language` ("en" or "ar"), or None when it is."""
    text = " ".join(str(r.get("text", "")) for r in replies)
    if language == "en":
        words = re.findall(r"[a-zA-Zçğıöşüâîû']+", fold(text))
        en = sum(w in _EN for w in words)
        tr = sum(w in _TR_FOLDED for w in words)
        return None if en > tr else f"{en} common English words, {tr} Turkish function words"
    if language == "ar":
        letters = [c for c in text if c.isalpha()]
        arabic = sum(bool(_ARABIC.match(c)) for c in letters)
        share = arabic / len(letters) if letters else 0.0
        return None if share >= 0.3 else f"{share:.0%} of the letters are Arabic (needs 30%)"
    raise ValueError(f"unknown language {language!r} (en or ar)")
