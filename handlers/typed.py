"""Typed answers to offered buttons: the number ("2", "ikinci"), the label (folded, with typos
and suffixes forgiven), yes/no words where a button plays that role, and "daha fazla".

Pure functions over the few buttons offered last; the routing asks `choose` before anything
else, so a typed answer to a question with buttons works like pressing one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from core.conversation import Offer
from core.messages import Role
from nlu.text import tokens

MAX_WORDS = 8  # a longer message is a sentence of its own, never a typed choice

# Ordinal words by folded stem ("ikinci", "ikincisi", "ikinciyi"); "son" is the last one.
_ORDINALS = {
    "birinci": 1, "ilk": 1, "ikinci": 2, "ucuncu": 3, "dorduncu": 4, "besinci": 5,
    "altinci": 6, "yedinci": 7, "sekizinci": 8, "dokuzuncu": 9, "onuncu": 10, "sonuncu": -1,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1,
    "الأول": 1, "الاول": 1, "الأولى": 1, "الاولى": 1, "الثاني": 2, "الثانية": 2, "الثالث": 3,
    "الثالثة": 3, "الرابع": 4, "الأخير": -1, "الاخير": -1,
}  # fmt: skip
_ORDINAL_ENDINGS = frozenset({"", "i", "si", "sini", "ni", "yi", "ini", "su", "sunu", "u", "yu"})
_CARDINALS = {"bir": 1, "iki": 2, "uc": 3, "dort": 4, "bes": 5, "alti": 6, "yedi": 7}
# Words around a number that add nothing: "2 numara", "3. secenek olsun", "2'yi sectim".
_NUMBER_FILLER = frozenset({
    "numara", "numarali", "nolu", "no", "secenek", "secenegi", "secenekteki", "olan", "olsun",
    "lutfen", "si", "i", "yi", "u", "yu", "nci", "inci", "ncisi", "istiyorum", "seciyorum",
    "sectim", "secim", "ben", "sira", "siradaki", "tane", "nu",
    # asking for it: "ikincisini anlatır mısın", "ilkini göster", "the first one please"
    "anlat", "anlatir", "anlatin", "anlatirmisin", "anlatirmisiniz", "misin", "misiniz",
    "musun", "goster", "gosterin", "gosterir", "ac", "acar", "hakkinda", "bilgi", "ver",
    "verir", "alayim", "istiyom", "the", "one", "please", "pls", "plz", "option", "want",
    "take", "ill", "will", "choose", "أريد", "اريد", "من", "فضلك",
})  # fmt: skip
# Words that carry no choice of their own: "lise mezunuyum", "gaziemirdeki olsun".
_FILLER = frozenset({
    "su", "an", "simdi", "ben", "benim", "ya", "yani", "olsun", "olan", "lutfen", "bu", "o",
    "olarak", "da", "de", "ki", "mezunuyum", "mezunu", "mezun", "bitirdim", "daha", "hala",
    "tabi", "tabii", "artik", "sey", "hocam", "abi", "abla", "efendim", "ok", "evet", "et",
    "etmek", "ediyorum", "edelim", "istiyorum", "isterim",
})  # fmt: skip
# A message with one of these asks something: it is not a choice, whatever it names.
_ASKING = frozenset({
    "mi", "mu", "misin", "misiniz", "musun", "musunuz", "miyim", "muyum", "miyiz", "ne", "neden",
    "niye", "nasil", "nerede", "nerde", "nereye", "neresi", "nereden", "nedir", "nelerdir",
    "kac", "kacta", "hangi", "hangisi", "kim",
    "ucret", "ucretli",
})  # fmt: skip

_CORRECTION = frozenset({"degil", "yerine"})
# Yes and no. Stems match the start of a word ("onayliyorum", "gonderebilirsiniz").
_YES_STEMS = (
    "evet", "tamam", "onay", "kabul", "emin", "gonder", "yolla", "uygun", "olur", "peki",
    "elbet", "aynen", "kesinlikle", "dogru", "sil", "ediyorum",
    "ederim", "veriyorum", "veririm", "okey", "okay",
    "agree", "confirm", "correct", "send",  # English
    "نعم", "موافق", "اوافق", "تمام", "حسنا", "ارسل", "اكيد", "ايوه", "صحيح",  # Arabic (folded)
)  # fmt: skip
_YES_WORDS = frozenset({"e", "ee", "evt", "he", "hee", "ok", "oki", "tabi", "tabii", "tabiki",
                        "yes", "yep", "sure", "yeah", "fine", "اي", "اه"})  # fmt: skip
_NO_WORDS = frozenset({"hayir", "hayr", "hyr", "yok", "yoo", "no", "nope", "olmaz", "kalsin",
                       "istemem", "istemiyorum", "istemiyom", "degil", "degilim", "vazgec",
                       "vazgectim", "vazgeciyorum", "gerek",
                       "not", "don", "dont", "disagree", "never", "cancel",  # English
                       "لا", "كلا", "مش", "لست", "تراجع", "الغاء"})  # Arabic  # fmt: skip
# "sorun yok" and its kin say yes with a "yok" in them.
_YES_WITH_YOK = frozenset({"sorun", "problem", "mahsuru", "sakincasi", "itirazim", "engel"})
# A negated answer verb: "etmiyorum", "onaylamiyorum", "silmeyin", "gondermeyin", "etmem".
_NEGATED = re.compile(
    r"^(?:et|ed|onayla|kabul|iste|gonder|yolla|sil|ol|yap|ver|kaydet|katil|basvur|yaz|kal|al"
    r"|kapat|paylas|kullan|devam)"
    r"(?:m[iu]yo|m[ae]y[ia]n|m[ae]y(?:ac|ec)|m[ae]d[iu]m|m[ae]z(?:sin|siniz)?$|m[ae]m$)"
)
# Any negated verb form, to keep "calismiyorum" from matching the label "Çalışıyorum".
_NEGATIVE_FORM = re.compile(r"\w{2}(?:m[iu]yo|m[ae]y[ia]n|m[ae]d[iu]|m[ae]z$)")
# "daha fazla", "sonraki sayfa", "diğer sayfayı göster", "devamı".
_MORE_STEMS = ("sonraki", "devam", "sayfa", "more", "next")


def choose(text: str, offers: Sequence[Offer]) -> Offer | None:
    """The offered button a typed message means, or None when it means none of them."""
    if not offers:
        return None
    words = tokens(text)
    if not words or len(words) > MAX_WORDS:
        return None
    wanted = _after_correction(words)  # "lise değil lisans": the choice is "lisans"
    number = _number(wanted) if wanted else None
    if number is not None:
        index = len(offers) if number == -1 else number
        return offers[index - 1] if 1 <= index <= len(offers) else None
    more = _by_role(offers, Role.MORE)
    if more is not None and _wants_more(words):
        return more
    if asks(text, words):
        return None
    yes, no = _by_role(offers, Role.YES), _by_role(offers, Role.NO)
    if yes is not None or no is not None:
        answer = yes_or_no(text)
        if answer is True and yes is not None:
            return yes
        if answer is False and no is not None:
            return no
    return _by_label(wanted, offers) if wanted else None


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no (negation-aware: "kabul etmiyorum"), None otherwise."""
    words = tokens(text)
    if not words or len(words) > MAX_WORDS or asks(text, words):
        return None
    yes = no = other = 0
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in _YES_WITH_YOK and following == "yok":
            yes, skip = yes + 1, True
        elif word in _NO_WORDS or word.startswith("vazgec") or _negated(word):
            no += 1
        elif word in _YES_WORDS or word.startswith(_YES_STEMS):
            yes += 1
        elif word not in _FILLER:
            other += 1
    if no:
        return False
    if yes and other <= 2:
        return True
    return None


def asks(text: str, words: Sequence[str]) -> bool:
    """Whether a message asks something (a question mark or a question word)."""
    return "?" in text or any(w in _ASKING for w in words)


def _negated(word: str) -> bool:
    return bool(_NEGATED.match(word))


def _after_correction(words: list[str]) -> list[str]:
    """The words after the last "değil" or "yerine" (none when nothing follows it)."""
    cut = max((i for i, w in enumerate(words) if w in _CORRECTION), default=-1)
    return words[cut + 1 :]


def _by_role(offers: Sequence[Offer], role: Role) -> Offer | None:
    return next((o for o in offers if o.role is role), None)


def _number(words: list[str]) -> int | None:
    """The option number a message is made of ("2", "2.", "ikinci", "sonuncusu"), else None."""
    found: list[int] = []
    for word in words:
        if word.isdigit() and len(word) <= 2:
            found.append(int(word))
        elif word in _CARDINALS:
            found.append(_CARDINALS[word])
        elif ordinal := next(
            (n for stem, n in _ORDINALS.items() if word.startswith(stem)
             and word[len(stem):] in _ORDINAL_ENDINGS), None,
        ):  # fmt: skip
            found.append(ordinal)
        elif word not in _NUMBER_FILLER:
            return None
    return found[0] if len(found) == 1 else None


def _wants_more(words: list[str]) -> bool:
    if any(w.startswith(_MORE_STEMS) for w in words):
        return True
    return "fazla" in words and ("daha" in words or len(words) == 1)


def _by_label(words: list[str], offers: Sequence[Offer]) -> Offer | None:
    """The one offer whose label the message names: all of the label (a few words around it
    allowed, "lise mezunuyum"), or only words of that label ("gaziemirdeki")."""
    said = [w for w in words if w not in _FILLER] or words
    best: Offer | None = None
    best_score, tie = 0, False
    for offer in offers:
        label = _label_words(offer.label)
        if not label:
            continue
        covered = sum(any(same_word(w, part) for w in said) for part in label)
        named = sum(any(same_word(w, part) for part in label) for w in said)
        if covered == len(label) and len(said) - named <= 2:
            score = 100 + covered
        elif named == len(said):
            score = 10 + named
        else:
            continue
        if score > best_score:
            best, best_score, tie = offer, score, False
        elif score == best_score:
            tie = True
    return None if tie else best


@lru_cache(maxsize=4096)
def _label_words(label: str) -> tuple[str, ...]:
    """A label's words that can name it (the same few labels come back turn after turn)."""
    whole = tuple(tokens(label))
    return tuple(p for p in whole if p not in _FILLER) or whole


@lru_cache(maxsize=16384)
def same_word(said: str, part: str) -> bool:
    """A typed word is a label's word: equal, the word with a suffix ("gaziemirdeki",
    "verin"), a shortened form ("emekli"), or one typo away ("ortaokl", "calisiyom")."""
    if said == part:
        return True
    if said[:1] != part[:1]:  # typos after the first letter only: most pairs end here
        return False
    if said.startswith(part):
        close = len(part) >= 4 or (len(part) == 3 and len(said) <= 6)
    elif part.startswith(said):
        close = len(said) >= 5
    elif min(len(said), len(part)) >= 5 and not (said.isdigit() or part.isdigit()):
        limit = 1 if len(part) < 8 else 2
        close = Levenshtein.distance(said, part, score_cutoff=limit) <= limit
    else:
        return False
    # "calismiyorum" is one letter from "calisiyorum" and says the opposite.
    return close and bool(_NEGATIVE_FORM.search(said)) == bool(_NEGATIVE_FORM.search(part))
