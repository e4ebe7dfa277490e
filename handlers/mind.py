"""Changes of mind inside a form: leaving it, wanting another course, or another offering.

Read from the words of the message at any step, free-text steps included, before the message
is taken as an answer: "vazgeçtim" is never a name, "başka kursa başvuracağım" never a district.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from core.actions import Action
from core.messages import Button, Reply, Role
from handlers.base import Context
from handlers.typed import asks
from nlu.foreign import static_turkish
from nlu.text import clean, fold, tokens


class Mind(StrEnum):
    """What a message says about the form itself."""

    LEAVE = "leave"  # stop the form ("vazgeçtim", "boşver", "bırak", "iptal")
    OTHER_COURSE = "other_course"  # another course, none named ("başka kursa başvuracağım")
    OTHER_OFFERING = "other_offering"  # the same course elsewhere or at another time


_LEAVE_STEMS = ("vazgec", "bosve", "birak", "hicbiri", "iptal", "kapat", "cikmak", "cikayim",
                "cikiyorum", "cikis")  # fmt: skip
# "sonra devam ederim", "sonra yaparım", "daha sonra bakarım": not now.
_LATER = ("devam", "yap", "bak", "hallet", "basvur", "yaz", "dusun", "gel", "ugras")
_REFUSALS = frozenset({"istemiyorum", "istemiyom", "istemem", "istemiyoruz", "istemiyorm"})
# "belirtmek istemiyorum": not this answer, which an optional question takes as a skip.
_ABOUT_ANSWER = ("belirt", "soyle", "yazmak", "vermek", "paylas", "cevap", "demek")
_APPLY_STEMS = ("basvur", "yazil", "kaydol", "kayit", "kaydi", "katil", "yazdir")
_CORRECTION_WORDS = frozenset({"degil", "yerine", "pardon", "aslinda", "yanlislikla",
                               "not", "ليس", "مش", "مو"})  # fmt: skip
_CORRECTION_STEMS = ("yanlis", "hata")
# "istiyordum", "yazılacaktım", "olacaktı": what the user meant all along.
_MEANT_ENDINGS = ("yordum", "yodum", "acaktim", "ecektim", "acakti", "ecekti", "caktim", "cektim")
_OTHER = frozenset({"baska", "farkli", "diger", "ayri"})
_OFFERING_STEMS = ("merkez", "yer", "sube", "gun", "saat", "tarih", "grup", "sinif", "donem",
                   "ilce", "semt")  # fmt: skip
_SPLIT = frozenset({"degil", "yerine"})


def read_mind(text: str) -> Mind | None:
    """What the message says about the form itself, or None when it says nothing of it; in
    English or Arabic too ("never mind", "خلاص", "another centre"), read through the Turkish
    words nlu/foreign.py gives them."""
    mind = _read_mind(text)
    if mind is None and (turkish := _in_turkish(text)):
        mind = _read_mind(turkish)
    return mind


def mind_words(text: str) -> list[str]:
    """The message's words, and those of its Turkish rendering when it is English or Arabic
    ("sorry, I meant barista" also reads "pardon ... barista")."""
    words = tokens(text)
    turkish = _in_turkish(text)
    return words + tokens(turkish) if turkish else words


def _in_turkish(text: str) -> str:
    """The Turkish words nlu/foreign.py gives an English or Arabic text; "" when it gives the
    same words (Turkish, a name, a number)."""
    turkish = static_turkish(text)
    return turkish if turkish and tokens(turkish) != tokens(text) else ""


def _read_mind(text: str) -> Mind | None:
    words = tokens(text)
    if not words or asks(text, words):
        return None
    for i, word in enumerate(words[:-1]):
        if word not in _OTHER:
            continue
        after = words[i + 2] if words[i + 1] == "bir" and i + 2 < len(words) else words[i + 1]
        if after.startswith(_OFFERING_STEMS):
            return Mind.OTHER_OFFERING
        if after.startswith("kurs"):  # to apply for it, or to look around first
            return Mind.OTHER_COURSE if applies(words) else Mind.LEAVE
        if after == "zaman":  # "başka zaman": not now
            return Mind.LEAVE
    if leaves(words):
        return Mind.LEAVE
    return None


def leaves(words: Sequence[str]) -> bool:
    """ "vazgeçtim", "boşver", "bırak", "iptal", "istemiyorum" (not "belirtmek istemiyorum")."""
    for i, word in enumerate(words):
        if word.startswith(_LEAVE_STEMS) or word in ("cik", "cikalim"):
            return True
        if word == "sonra" and any(w.startswith(_LATER) for w in words[i + 1 :]):
            return True
        if word == "simdi" and words[i + 1 : i + 2] == ["degil"]:
            return True
        if word in _REFUSALS and not (i and words[i - 1].startswith(_ABOUT_ANSWER)):
            return True
    return False


def applies(words: Sequence[str]) -> bool:
    """The message speaks of applying or enrolling ("başvuracağım", "yazılmak", "kayıt")."""
    return any(w.startswith(_APPLY_STEMS) for w in words)


def corrects(words: Sequence[str]) -> bool:
    """The message corrects what was said before ("X değil Y", "pardon", "istiyordum")."""
    return any(
        w in _CORRECTION_WORDS or w.startswith(_CORRECTION_STEMS) or w.endswith(_MEANT_ENDINGS)
        for w in words
    )


def correction_parts(text: str) -> list[str]:
    """The text cut at "değil" and "yerine", what follows first: "X değil Y" → ["Y", "X"]."""
    words = clean(text).split()
    parts: list[list[str]] = [[]]
    for word in words:
        if fold(word) in _SPLIT:
            parts.append([])
        else:
            parts[-1].append(word)
    if len(parts) == 1:
        return []
    return [" ".join(p) for p in reversed(parts) if p]


def ask_to_leave(ctx: Context) -> list[Reply]:
    """Asks whether to close the form unsaved; "evet" and "hayır" answer it as well."""
    ctx.conv.leaving = True
    token = ctx.conv.token
    yes = Button.of(ctx.t("engine.leave_yes"), Action.LEAVE, token, "y", role=Role.YES)
    no = Button.of(ctx.t("engine.leave_no"), Action.LEAVE, token, "n", role=Role.NO)
    return [Reply(ctx.t("engine.leave_confirm"), buttons=(yes, no))]
