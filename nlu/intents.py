"""The intents of the assistant and the compiled lexicon that spots them in a message."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from core.intents import Intent
from nlu import lexicon
from nlu import words as word_lists
from nlu.districts import DISTRICTS
from nlu.morph import is_chain
from nlu.text import fold, tr_lower
from nlu.vocab import Vocabulary

log = logging.getLogger(__name__)

SHORT_STEMS = frozenset({"is", "ol"})  # two-letter words that still take suffixes ("işe", "olmak")


@dataclass(frozen=True, slots=True)
class Pattern:
    """A set of word slots that together signal an intent with some weight."""

    intent: Intent
    weight: float
    slots: tuple[frozenset[str], ...]
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Cue:
    """The best pattern of one intent found in a message, with the word positions it used."""

    intent: Intent
    weight: float
    positions: frozenset[int]


@dataclass(frozen=True, slots=True)
class BaseLexicon:
    """The catalog-independent vocabulary: generic words, districts and intent patterns."""

    vocab: Vocabulary
    patterns: tuple[Pattern, ...]
    by_term: dict[str, tuple[int, ...]]
    generic: frozenset[str]
    listing: frozenset[str]
    centre_words: frozenset[str]
    course_words: frozenset[str]


def word_term(word: str) -> str:
    """Returns the lexicon term of a Turkish word."""
    return "@" + fold(tr_lower(word))


def _terms(words: str) -> frozenset[str]:
    """Returns the lexicon terms of a whitespace-separated word list."""
    return frozenset(word_term(w) for w in words.split())


def _parse_patterns() -> list[Pattern]:
    """Parses the ``weight: slot slot`` lines of the lexicon."""
    patterns: list[Pattern] = []
    for intent_name, block in lexicon.INTENT_PATTERNS.items():
        for line in block.strip().splitlines():
            weight_text, _, body = line.partition(":")
            ordered = body.strip().startswith("^")
            slots = tuple(
                frozenset(word_term(w) for w in slot.split("|"))
                for slot in body.replace("^", " ").split()
            )
            patterns.append(Pattern(Intent(intent_name), float(weight_text), slots, ordered))
    return patterns


@cache
def base_lexicon() -> BaseLexicon:
    """Builds the generic vocabulary once per process."""
    patterns = _parse_patterns()
    words = {t[1:] for p in patterns for slot in p.slots for t in slot}
    for extra in (
        word_lists.GENERIC_WORDS,
        word_lists.COMMON_WORDS,
        word_lists.LISTING_WORDS,
        word_lists.CENTRE_WORDS,
        word_lists.COURSE_WORDS,
    ):
        words.update(fold(tr_lower(extra)).split())
    distinct = set(fold(tr_lower(word_lists.DISTINCT_WORDS)).split())
    vocab = Vocabulary(SHORT_STEMS)
    for word in words:
        vocab.add(word, "@" + word)
        if word in distinct:
            continue
        for size in range(len(word) - 1, 1, -1):
            prefix = word[:size]
            long_enough = size >= 3 or prefix in SHORT_STEMS
            if prefix in words and long_enough and is_chain(word[size:], prefix[-1]):
                vocab.add(word, "@" + prefix)
    for name in DISTRICTS:
        vocab.add(fold(tr_lower(name)), "#" + name)
    vocab.freeze()
    by_term: dict[str, list[int]] = {}
    for number, pattern in enumerate(patterns):
        for slot in pattern.slots:
            for term in slot:
                by_term.setdefault(term, []).append(number)
    log.debug("lexicon: %d words, %d patterns", len(words), len(patterns))
    return BaseLexicon(
        vocab=vocab,
        patterns=tuple(patterns),
        by_term={term: tuple(dict.fromkeys(ids)) for term, ids in by_term.items()},
        generic=_terms(word_lists.GENERIC_WORDS),
        listing=_terms(word_lists.LISTING_WORDS),
        centre_words=_terms(word_lists.CENTRE_WORDS),
        course_words=_terms(word_lists.COURSE_WORDS),
    )


def _assign(
    pattern: Pattern, words: Sequence[frozenset[str]], used: tuple[int, ...]
) -> tuple[int, ...] | None:
    """Gives every slot a different word that matches it (in order if asked), or None."""
    if len(used) == len(pattern.slots):
        return used
    slot = pattern.slots[len(used)]
    start = used[-1] + 1 if pattern.ordered and used else 0
    for position in range(start, len(words)):
        if position not in used and not slot.isdisjoint(words[position]):
            found = _assign(pattern, words, (*used, position))
            if found is not None:
                return found
    return None


def find_cues(words: Sequence[frozenset[str]], base: BaseLexicon) -> dict[Intent, Cue]:
    """Returns, per intent, the weight of its best matching pattern and every word its
    matching patterns used."""
    candidates: set[int] = set()
    for terms in words:
        for term in terms:
            candidates.update(base.by_term.get(term, ()))
    best: dict[Intent, Cue] = {}
    for number in sorted(candidates):
        pattern = base.patterns[number]
        positions = _assign(pattern, words, ())
        if positions is None:
            continue
        current = best.get(pattern.intent)
        if current is None:
            best[pattern.intent] = Cue(pattern.intent, pattern.weight, frozenset(positions))
        else:
            weight = max(current.weight, pattern.weight)
            used = current.positions | frozenset(positions)
            best[pattern.intent] = Cue(pattern.intent, weight, used)
    return _drop_covered(best)


def _drop_covered(cues: dict[Intent, Cue]) -> dict[Intent, Cue]:
    """Drops cues whose words all belong to a longer or stronger cue ("iyi günler" is no
    question about days)."""
    kept: dict[Intent, Cue] = {}
    for cue in cues.values():
        covered = any(
            other is not cue
            and cue.positions <= other.positions
            and (len(other.positions) > len(cue.positions) or other.weight > cue.weight)
            for other in cues.values()
        )
        if not covered:
            kept[cue.intent] = cue
    return kept
