"""Finding the branches, fields, centres and districts a message names."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from nlu.index import CatalogIndex, Entry, Weights
from nlu.morph import is_noun_chain
from nlu.text import MAX_TOKENS, tokens
from nlu.vocab import Resolved

CUE_DISCOUNT = 0.35  # a word that also signals an intent counts less as course content
_NAME_PRIOR = 1.0
_KEYWORD_PRIOR = 0.96
_SAME_COVER = 0.05  # candidates explain the message about as well as the best one
_CANDIDATE_GAP = 0.5
_PHRASE_GAP = 0.03  # a whole several-word phrase wins over a hit scoring this much more
_RARE = 5.0  # a word used by at most this many entries names them clearly


@dataclass(frozen=True, slots=True)
class Hit:
    """How well one branch or field explains a message."""

    id: str
    score: float
    query_cover: float
    phrase_cover: float
    full: bool  # some phrase of the entry is wholly in the message
    whole_phrase: bool  # ...and it is the name or has several words
    strong: bool  # the entry is named by a rare word that is not an intent word
    positions: frozenset[int]
    named: bool = False  # the entry's whole name is in the message


@dataclass(frozen=True, slots=True)
class BranchMatch:
    """A branch that fits a text, for callers that only need a ranked list."""

    id: str
    name: str
    score: float


def analyse(text: str, index: CatalogIndex) -> list[Resolved]:
    """Splits a message into words and resolves each against the catalog vocabulary."""
    words: list[Resolved] = []
    for token in tokens(text):
        words.extend(index.vocab.resolve(token))
    return words[:MAX_TOKENS]


def content_roots(words: Sequence[Resolved], index: CatalogIndex) -> list[frozenset[str]]:
    """Returns, per word, the catalog roots it stands for (none for generic or place words)."""
    generic = index.base.generic
    out: list[frozenset[str]] = []
    for word in words:
        is_place = any(t[0] == "#" for t in word.terms)
        if not word.terms or not word.terms.isdisjoint(generic) or is_place:
            out.append(frozenset())
        else:
            roots = frozenset(t for t in word.terms if t[0] != "@")
            out.append(roots - index.place_roots)
    return out


def place_roots(words: Sequence[Resolved], index: CatalogIndex) -> list[frozenset[str]]:
    """Returns, per word, the roots it shares with centre names (districts included)."""
    aliases = index.centre_alias_roots
    return [frozenset(t for t in w.terms if t in aliases) for w in words]


def rank(
    roots: Sequence[frozenset[str]],
    entries: tuple[Entry, ...],
    weights: Weights,
    cues: frozenset[int] = frozenset(),
    forms: Sequence[str] = (),
) -> list[Hit]:
    """Scores every entry sharing a root with the message, best first; ``forms`` are the
    words as matched, which favour entries written the same way ("elektrikli" over
    "elektriği")."""
    unseen = math.log(1.0 + max(len(entries), 1))  # content these entries do not know
    token_weight = [
        (max(weights.of(r) for r in rs) or unseen) * (CUE_DISCOUNT if pos in cues else 1.0)
        if rs
        else 0.0
        for pos, rs in enumerate(roots)
    ]
    total = sum(token_weight)
    if total <= 0:
        return []
    present = frozenset(r for rs in roots for r in rs)
    typed = frozenset(forms)
    strong_weight = math.log(1.0 + max(len(entries), 1) / _RARE)
    candidates = sorted({i for r in present for i in weights.postings.get(r, ())})
    hits: list[Hit] = []
    for number in candidates:
        entry = entries[number]
        explained = [pos for pos, rs in enumerate(roots) if not rs.isdisjoint(entry.roots)]
        if forms and all(forms[pos].isdigit() for pos in explained if pos < len(forms)):
            continue  # a bare number ("2") picks a menu option, not a course
        query_cover = sum(token_weight[pos] for pos in explained) / total
        best, support, full, whole, verbatim, named = 0.0, 0.0, False, False, False, False
        for phrase in entry.phrases:
            verbatim = verbatim or bool(phrase.words and typed.issuperset(phrase.words))
            size = sum(weights.of(r) for r in phrase.roots)
            found = sum(weights.of(r) for r in phrase.roots if r in present)
            cover = found / size if size else 0.0
            support += cover
            if cover >= 0.999:
                full = True
                whole = whole or phrase.is_name or len(phrase.roots) > 1
                named = named or phrase.is_name
            best = max(best, cover * (_NAME_PRIOR if phrase.is_name else _KEYWORD_PRIOR))
        strong = any(
            pos not in cues and max(weights.of(r) for r in roots[pos]) >= strong_weight
            for pos in explained
        )
        # how closely one of its phrases matches, how much of the message it explains, how
        # many of its phrases mention what was asked ("bilgisayar" is mostly "İşletmenliği")
        # and whether a phrase was typed word for word ("elektrikli araç")
        score = (
            0.47 * best
            + 0.33 * query_cover
            + 0.13 * min(1.0, support / 2.0)
            + (0.07 if verbatim else 0.0)
        )
        hits.append(
            Hit(
                entry.id, score, query_cover, best, full, whole, strong, frozenset(explained), named
            )
        )
    hits.sort(key=lambda h: (-h.score, -h.full, -h.whole_phrase))
    return hits


def is_solid(hit: Hit) -> bool:
    """Tells whether a hit names its entry clearly enough to report it."""
    return hit.full or hit.phrase_cover >= 0.5 or hit.strong


def candidates(hits: Sequence[Hit], limit: int = 5) -> list[Hit]:
    """Returns the best hit and the alternatives that explain the message about as well."""
    solid = [h for h in hits if is_solid(h)]
    if not solid:
        return []
    best = solid[0]
    phrase = next(
        (
            h
            for h in solid[1:]
            if h.whole_phrase and not best.whole_phrase and h.score >= best.score - _PHRASE_GAP
        ),
        None,
    )
    if phrase is not None:
        # A name or keyword of several words typed in full ("oto elektrik") outweighs loose
        # single words that explain a little more of a rambling message ("arabalarla", "oto").
        return [phrase, *(h for h in solid if h.whole_phrase and h is not phrase)][:limit]
    close = [
        h
        for h in solid
        if h.query_cover >= best.query_cover - _SAME_COVER
        and h.score >= best.score - _CANDIDATE_GAP
    ]
    return close[:limit]


def match_branch(text: str, index: CatalogIndex, limit: int = 5) -> list[BranchMatch]:
    """Ranks the branches a free text names ("kaynak" -> the welding branches), best first."""
    words = analyse(text, index)
    roots = content_roots(words, index)
    forms = [w.form or w.token for w in words]
    hits = candidates(rank(roots, index.branches, index.branch_weights, forms=forms))
    names = {b.id: b.name for b in index.branches}
    return [BranchMatch(h.id, names[h.id], round(h.score, 3)) for h in hits[:limit]]


def find_district(words: Sequence[Resolved], index: CatalogIndex) -> tuple[str | None, int]:
    """Returns the first district named in the message and its word position."""
    for position, word in enumerate(words):
        for term in word.terms:
            if term.startswith("#") and is_noun_chain(word.rest, word.form[-1:]):
                return index.districts.get(term), position
    return None, -1


def find_centre(
    words: Sequence[Resolved], index: CatalogIndex
) -> tuple[str | None, frozenset[int]]:
    """Returns the centre the message names, and the word positions naming it."""
    roots = place_roots(words, index)
    centre_word = any(not w.terms.isdisjoint(index.base.centre_words) for w in words)
    present = frozenset(r for rs in roots for r in rs)
    district_roots = frozenset(
        r
        for word, rs in zip(words, roots, strict=True)
        if any(t[0] == "#" for t in word.terms)
        for r in rs
    )
    content = index.branch_weights.idf.keys() | index.field_weights.idf.keys()
    best: tuple[float, int, str, frozenset[str]] | None = None
    for centre in index.centres:
        matched = centre.alias & present
        if not matched:
            continue
        if centre.district_named:
            if matched != centre.alias or not centre_word:
                continue
            cover = 1.0
        else:
            distinctive = matched - district_roots
            if not distinctive:
                continue
            cover = len(matched) / len(centre.alias)
            everyday = distinctive <= index.weak_roots  # "gençlere yönelik" names no centre
            if (
                cover < 1.0
                and not centre_word
                and (everyday or not distinctive.isdisjoint(content))
            ):
                continue
        key = (cover, len(matched), centre.id, matched)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return None, frozenset()
    positions = frozenset(pos for pos, rs in enumerate(roots) if not rs.isdisjoint(best[3]))
    return best[2], positions
