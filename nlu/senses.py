"""Word sense around course names: everyday words, negated phrases, lists and unknown courses.

A branch matched only through everyday words ("online", "hasta", "servis") or through words an
intent cue uses stands only when the words are bound to a course word ("internet kursu") or
are the branch's whole name ("İlk Yardım"). A phrase followed by "değil", "yerine",
"istemiyorum"... names a branch that is not wanted. Branches joined by "ve", "ile"... are a
list. A word the catalog does not know, bound to a course word ("ehliyet kursu"), is a course
the catalog does not have.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import OSA

from nlu.index import CatalogIndex
from nlu.matching import Hit
from nlu.vocab import Resolved

_QUESTION_TAGS = frozenset({"mi", "mu"})  # "değil mi?" asks, it does not negate
_NEGATOR_STEMS = ("degil", "istemiyo", "haric", "vazgec")
_MAX_UNKNOWN_WORDS = 3
_MIN_UNKNOWN = 3
_COPULA = ("yim", "yum", "yiz")  # "Torbalı'dayım": I am (live) there
_PERSONAL = ("yim", "yum", "siniz", "sunuz")  # folded "-yım/-yüm", "-sınız/-sünüz"
# Folded verb forms saying something is eaten or drunk: "yemeyi, yiyorum, yerim, içmeyi,
# içiyorum, içtim"; not "yemek" / "yemeği" (also the meal: "ev yemeği kursu") nor "yiyecek,
# içecek" (food and drink: "yiyecek içecek hizmetleri").
_CONSUMING = ("yemeyi", "yemeye", "yiyo", "yerim", "yedim", "icmeyi", "icmeye", "icmek", "iciyo",
              "icerim", "ictim")  # fmt: skip
# Folded forms of "gitmek" (gideceğim, gidicem, gidiyorum, gittim, gitmem...): going somewhere.
_GOING = ("gid", "git")
_DATIVE = ("a", "e")  # folded "-(y)a/-(y)e" ("kuaföre", "doktora"), "-(n)a/-(n)e"
# Folded forms of "gelmek" and "gitmek": coming or going (gelecegim, gelicem, geliyorum...).
_MOVING = ("gel", "gid", "git")
_WITH = ("yla", "yle", "la", "le")  # folded "-(y)la/-(y)le": "arabayla", "otobüsle"
# Folded endings of "my" (and "our") after a word's root, with a case: "-(ı)m, -(ı)mı, -(ı)mın,
# -(ı)ma, -(ı)mda, -(ı)mdan, -(ı)mla, -(ı)mız".
_MINE = frozenset(
    f"{v}m{case}" for v in ("", "i", "u") for case in ("", "i", "u", "in", "un", "a", "e", "da",
                                                       "de", "dan", "den", "la", "le", "iz", "uz")
)  # fmt: skip
_LEARNING = ("kurs", "egitim", "ogren", "meslek", "ders", "sertifika")
_COMPOUND_DATIVE = ("ina", "ine", "una", "une", "sina", "sine", "suna", "sune")


def is_bound_course_word(token: str, index: CatalogIndex) -> bool:
    """Tells whether a word is a course word that binds the word before it ("kursu")."""
    return any(token.startswith(w) for w in index.base.bound_course_words)


def weak_positions(
    roots: Sequence[frozenset[str]],
    cue_positions: frozenset[int],
    index: CatalogIndex,
    tokens: Sequence[str] = (),
) -> frozenset[int]:
    """Returns the positions whose course roots are all everyday words, which an intent cue
    uses, or whose word says what a person is ("hastayım", "tatlısınız")."""
    weak = index.weak_roots
    out = {pos for pos, rs in enumerate(roots) if rs and rs <= weak}
    out |= {pos for pos, token in enumerate(tokens) if roots[pos] and _predicate(token)}
    return frozenset(out | cue_positions)


def not_courses(words: Sequence[Resolved], index: CatalogIndex) -> frozenset[int]:
    """Words that name something eaten, drunk or visited, not a course: "pasta yemeyi
    severim", "kahve içiyorum" (and the verb: "yemek" is also the cook's course), "diş
    hekimine gidicem", "kuaföre gittim" (a place or a person one goes to), "arabayla
    geleceğim" (how one comes)."""
    out: set[int] = set()
    for pos in range(len(words) - 1):
        verb = words[pos + 1].token
        if not words[pos].terms or is_bound_course_word(words[pos].token, index):
            continue  # "barista kursuna gidiyorum" goes to the course
        if verb.startswith(_CONSUMING):
            out.update((pos, pos + 1))
        elif verb.startswith(_MOVING) and words[pos].token.endswith(_WITH):
            out.add(pos)  # "arabayla geleceğim", "bisikletle gidiyorum": how, not a course
        elif verb.startswith(_GOING) and words[pos].token.endswith(_DATIVE):
            out.add(pos)
            # "diş hekimine": the noun compound's first word too
            if pos and words[pos].token.endswith(_COMPOUND_DATIVE) and words[pos - 1].terms:
                out.add(pos - 1)
    return frozenset(out)


def mine(words: Sequence[Resolved]) -> frozenset[int]:
    """Course words with "my" on them ("bilgisayarım bozuldu", "arabam", "telefonumun ekranı"):
    the person's own thing, not a course, unless the message speaks of learning ("bilgisayarımı
    tamir etmeyi öğrenmek istiyorum")."""
    if any(w.token.startswith(_LEARNING) for w in words):
        return frozenset()
    out = set()
    for pos, word in enumerate(words):
        form = word.form
        owned = form and word.token.startswith(form) and word.token[len(form) :] in _MINE
        if owned and any(t[0] != "@" for t in word.terms):
            out.add(pos)
    return frozenset(out)


def _predicate(token: str) -> bool:
    """A word with a personal ending: "I am / you are ..." describes someone, names no course."""
    return any(token.endswith(s) and len(token) > len(s) + 2 for s in _PERSONAL)


def anchored(hit: Hit, words: Sequence[Resolved], index: CatalogIndex) -> bool:
    """Tells whether a hit is the branch's whole name or is bound to a course word, maybe
    past generic words ("turşu yapımı kursu")."""
    if hit.named or not hit.positions:
        return hit.named
    generic = index.base.generic
    for word in words[max(hit.positions) + 1 :]:
        if is_bound_course_word(word.token, index):
            return True
        if word.terms.isdisjoint(generic) or any(t[0] != "@" for t in word.terms):
            return False
    return False


def sensible(
    hits: Sequence[Hit],
    weak: frozenset[int],
    words: Sequence[Resolved],
    index: CatalogIndex,
) -> list[Hit]:
    """Drops hits named only by everyday or intent words that are not bound to a course."""
    return [h for h in hits if not h.positions <= weak or anchored(h, words, index)]


def _is_negator(words: Sequence[Resolved], position: int, index: CatalogIndex) -> bool:
    """Tells whether the word at a position negates the phrase before it."""
    token = words[position].token
    if token not in index.base.negators and not token.startswith(_NEGATOR_STEMS):
        return False
    following = words[position + 1].token if position + 1 < len(words) else ""
    return following not in _QUESTION_TAGS


def negated_segments(words: Sequence[Resolved], index: CatalogIndex) -> list[range]:
    """Returns the stretches of words a negator reaches back over ("yok [pastacılık] değil")."""
    segments: list[range] = []
    start = 0
    breaks = index.base.breaks
    for position, word in enumerate(words):
        if _is_negator(words, position, index):
            if position > start:
                segments.append(range(start, position))
            start = position + 1
        elif word.token in breaks:
            start = position + 1
    return segments


def list_members(
    best: Hit, hits: Sequence[Hit], words: Sequence[Resolved], index: CatalogIndex
) -> list[Hit]:
    """Returns the branches a message lists ("keman ve gitar"), in message order, or just
    the best one when the message names one."""
    chosen = [best]
    for hit in hits:
        if hit is best or not hit.full:
            continue
        if any(hit.positions & c.positions for c in chosen) or not hit.positions:
            continue
        chosen.append(hit)
    if len(chosen) < 2:
        return [best]
    chosen.sort(key=lambda h: min(h.positions))
    conjunctions = index.base.conjunctions
    course_words = index.base.course_words
    joined = False
    members = [chosen[0]]
    for hit in chosen[1:]:
        gap = words[max(members[-1].positions) + 1 : min(hit.positions)]
        tokens = [w.token for w in gap]
        if any(
            t not in conjunctions and w.terms.isdisjoint(course_words)
            for t, w in zip(tokens, gap, strict=True)
        ):
            break
        joined = joined or any(t in conjunctions for t in tokens)
        members.append(hit)
    return members if joined and len(members) > 1 else [best]


def _far_fetched(word: Resolved) -> bool:
    """Tells whether a typo-tolerant match is a guess rather than a typo: two letters off
    ("direksiyon" read as "diksiyon"), or a letter changed before a suffix or in a short word
    ("pilotluk" read as "pivot" + "luk", "kuran" as "kural")."""
    if word.how != "fuzzy":
        return False
    stem = word.token[: len(word.token) - len(word.rest)]
    changed = len(stem) == len(word.form)
    return OSA.distance(stem, word.form) >= 2 or (changed and (bool(word.rest) or len(stem) <= 5))


def _unknown(word: Resolved) -> bool:
    """Tells whether a word is one the catalog and the lexicon do not know."""
    token = word.token
    if len(token) < _MIN_UNKNOWN or not token.isalpha():
        return False
    if any(t[0] == "#" for t in word.terms):
        return False
    return not word.terms or _far_fetched(word)


def unknown_course(words: Sequence[Resolved], index: CatalogIndex) -> tuple[int, ...]:
    """Returns the positions of unknown words bound to a course word ("ehliyet kursu")."""
    for position in range(1, len(words)):
        if not is_bound_course_word(words[position].token, index):
            continue
        run: list[int] = []
        back = position - 1
        while back >= 0 and len(run) < _MAX_UNKNOWN_WORDS and _unknown(words[back]):
            run.insert(0, back)
            back -= 1
        if run:
            return tuple(run)
    return ()


def residence_positions(words: Sequence[Resolved], index: CatalogIndex) -> frozenset[int]:
    """Returns the words saying where the person lives ("oturuyorum", "Torbalı'dayım")."""
    out = set()
    for position, word in enumerate(words):
        district = any(t[0] == "#" for t in word.terms)
        if word.token in index.base.residence or (district and word.rest.endswith(_COPULA)):
            out.add(position)
    return frozenset(out)
