"""The intents of the assistant and the compiled lexicon that spots them in a message.

The built-in intents' patterns are in ``nlu/lexicon.py``; the FAQ topics' patterns come from
the caller (the FAQ content file), in the same ``weight: slot slot`` syntax.
"""

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

_INTENT_NAMES = frozenset(Intent)  # a FAQ topic must not take one of these names
SHORT_STEMS = frozenset({"is", "ol"})  # two-letter words that still take suffixes ("işe", "olmak")


# FAQ topics as given to the lexicon: (topic name, its pattern lines), in a hashable form.
TopicPatterns = tuple[tuple[str, str], ...]


class PatternError(ValueError):
    """A pattern line does not follow the ``weight: slot slot`` syntax."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """A set of word slots that together signal an intent (or a FAQ topic) with some weight."""

    intent: Intent
    weight: float
    slots: tuple[frozenset[str], ...]
    ordered: bool = False
    topic: str | None = None  # the FAQ topic, when the intent is Intent.FAQ

    @property
    def label(self) -> str:
        """Returns what the pattern signals: the FAQ topic's name, else the intent."""
        return self.topic or self.intent


@dataclass(frozen=True, slots=True)
class Cue:
    """The best pattern of one intent (or FAQ topic) found in a message, with the word
    positions it used."""

    intent: Intent
    weight: float
    positions: frozenset[int]
    topic: str | None = None

    @property
    def label(self) -> str:
        """Returns what the cue signals: the FAQ topic's name, else the intent."""
        return self.topic or self.intent


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity (a cache key)
class BaseLexicon:
    """The catalog-independent vocabulary: generic words, districts and intent patterns."""

    vocab: Vocabulary
    patterns: tuple[Pattern, ...]
    by_term: dict[str, tuple[int, ...]]
    generic: frozenset[str]
    listing: frozenset[str]
    centre_words: frozenset[str]
    course_words: frozenset[str]
    topics: frozenset[str] = frozenset()  # the FAQ topics' names


def word_term(word: str) -> str:
    """Returns the lexicon term of a Turkish word."""
    return "@" + fold(tr_lower(word))


def _terms(words: str) -> frozenset[str]:
    """Returns the lexicon terms of a whitespace-separated word list."""
    return frozenset(word_term(w) for w in words.split())


def parse_pattern_lines(block: str) -> list[tuple[float, tuple[frozenset[str], ...], bool]]:
    """Parses ``weight: slot slot`` lines into weights, word slots and whether ordered;
    raises PatternError naming the line (counted from 1, blank lines included)."""
    parsed: list[tuple[float, tuple[frozenset[str], ...], bool]] = []
    for number, raw in enumerate(block.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        weight_text, colon, body = line.partition(":")
        try:
            weight = float(weight_text)
        except ValueError:
            weight = -1.0
        if not colon or not 0.0 < weight <= 1.0:
            raise PatternError(f"line {number}: expected 'weight: words' with 0 < weight <= 1")
        ordered = body.strip().startswith("^")
        words = [slot.split("|") for slot in body.replace("^", " ").split()]
        if not words or any(not w or not fold(tr_lower(w)).isalnum() for s in words for w in s):
            raise PatternError(f"line {number}: words are letters, alternatives joined by |")
        slots = tuple(frozenset(word_term(w) for w in slot) for slot in words)
        parsed.append((weight, slots, ordered))
    return parsed


def _parse_patterns(topics: TopicPatterns) -> list[Pattern]:
    """Parses the built-in intents' lexicon lines, then the FAQ topics' lines."""
    patterns = [
        Pattern(Intent(name), weight, slots, ordered)
        for name, block in lexicon.INTENT_PATTERNS.items()
        for weight, slots, ordered in parse_pattern_lines(block)
    ]
    for topic, block in topics:
        if topic in _INTENT_NAMES:
            raise PatternError(f"{topic}: a FAQ topic cannot take an intent's name")
        patterns.extend(
            Pattern(Intent.FAQ, weight, slots, ordered, topic)
            for weight, slots, ordered in parse_pattern_lines(block)
        )
    return patterns


@cache
def base_lexicon(topics: TopicPatterns = ()) -> BaseLexicon:
    """Builds the generic vocabulary, with these FAQ topics, once per process."""
    patterns = _parse_patterns(topics)
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
        topics=frozenset(name for name, _ in topics),
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


def find_cues(words: Sequence[frozenset[str]], base: BaseLexicon) -> dict[str, Cue]:
    """Returns, per intent or FAQ topic (its label), the weight of its best matching pattern
    and every word its matching patterns used."""
    candidates: set[int] = set()
    for terms in words:
        for term in terms:
            candidates.update(base.by_term.get(term, ()))
    best: dict[str, Cue] = {}
    for number in sorted(candidates):
        pattern = base.patterns[number]
        positions = _assign(pattern, words, ())
        if positions is None:
            continue
        label = pattern.label
        current = best.get(label)
        weight, used = pattern.weight, frozenset(positions)
        if current is not None:
            weight, used = max(current.weight, weight), current.positions | used
        best[label] = Cue(pattern.intent, weight, used, pattern.topic)
    return _drop_covered(best)


def _drop_covered(cues: dict[str, Cue]) -> dict[str, Cue]:
    """Drops cues whose words all belong to a longer or stronger cue ("iyi günler" is no
    question about days)."""
    kept: dict[str, Cue] = {}
    for cue in cues.values():
        covered = any(
            other is not cue
            and cue.positions <= other.positions
            and (len(other.positions) > len(cue.positions) or other.weight > cue.weight)
            for other in cues.values()
        )
        if not covered:
            kept[cue.label] = cue
    return kept
