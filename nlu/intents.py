"""The intents of the assistant and the compiled lexicon that spots them in a message.

The built-in intents' patterns are in ``nlu/lexicon.py``; the FAQ topics' patterns come from
the caller (the FAQ content file), in the same ``weight: slot slot`` syntax.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import product
from math import prod

from core.intents import Intent
from nlu import lexicon
from nlu import words as word_lists
from nlu.districts import DISTRICTS
from nlu.morph import is_chain
from nlu.text import fold, tr_lower
from nlu.vocab import Vocabulary

log = logging.getLogger(__name__)

_INTENT_NAMES = frozenset(Intent)  # a FAQ topic must not take one of these names
_MAX_COMBINATIONS = 256  # word choices tried for one marker before taking the first fit
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


@dataclass(frozen=True, slots=True)
class Marker:
    """A set of word slots that together say what else a message asks ("when") or whom a
    course is for ("women")."""

    label: str
    weight: float
    slots: tuple[frozenset[str], ...]
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Mark:
    """A marker's label found in a message, its best weight and the word positions it used."""

    label: str
    weight: float
    positions: frozenset[int]


@dataclass(frozen=True, slots=True)
class Markers:
    """Compiled markers with a posting list from each term to the markers using it."""

    markers: tuple[Marker, ...] = ()
    by_term: dict[str, tuple[int, ...]] = field(default_factory=dict)


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
    asks: Markers = Markers()  # "when", "where", "duration"...
    audiences: Markers = Markers()  # "women", "youth", "disabled"
    weak: frozenset[str] = frozenset()  # everyday words, folded, as written in words.py
    negators: frozenset[str] = frozenset()
    breaks: frozenset[str] = frozenset()
    conjunctions: frozenset[str] = frozenset()
    bound_course_words: frozenset[str] = frozenset()
    residence: frozenset[str] = frozenset()


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


def _markers(blocks: dict[str, str]) -> Markers:
    """Compiles labelled pattern blocks into markers with their posting list."""
    markers = tuple(
        Marker(label, weight, slots, ordered)
        for label, block in blocks.items()
        for weight, slots, ordered in parse_pattern_lines(block)
    )
    by_term: dict[str, list[int]] = {}
    for number, marker in enumerate(markers):
        for slot in marker.slots:
            for term in slot:
                by_term.setdefault(term, []).append(number)
    return Markers(markers, {t: tuple(dict.fromkeys(ids)) for t, ids in by_term.items()})


def _folded(words: str) -> frozenset[str]:
    """Returns the folded words of a whitespace-separated list."""
    return frozenset(fold(tr_lower(words)).split())


@cache
def base_lexicon(topics: TopicPatterns = ()) -> BaseLexicon:
    """Builds the generic vocabulary, with these FAQ topics, once per process."""
    patterns = _parse_patterns(topics)
    asks = _markers(lexicon.ASK_PATTERNS)
    audiences = _markers(lexicon.AUDIENCE_PATTERNS)
    slots = [s for p in patterns for s in p.slots]
    slots += [s for m in (*asks.markers, *audiences.markers) for s in m.slots]
    words = {t[1:] for slot in slots for t in slot}
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
        asks=asks,
        audiences=audiences,
        weak=_folded(word_lists.WEAK_WORDS),
        negators=_folded(word_lists.NEGATORS),
        breaks=_folded(word_lists.SEGMENT_BREAKS),
        conjunctions=_folded(word_lists.CONJUNCTIONS),
        bound_course_words=_folded(word_lists.BOUND_COURSE_WORDS),
        residence=_folded(word_lists.RESIDENCE_WORDS),
    )


def _assign(
    pattern: Pattern | Marker, words: Sequence[frozenset[str]], used: tuple[int, ...]
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


def _tightest(marker: Marker, words: Sequence[frozenset[str]]) -> tuple[int, ...] | None:
    """Gives every slot of a marker a different matching word (in order if asked), choosing
    the words closest together ("kaç saat kaç yaşından": the age is the second "kaç")."""
    options = [
        [p for p, terms in enumerate(words) if not slot.isdisjoint(terms)] for slot in marker.slots
    ]
    if any(not o for o in options):
        return None
    if prod(len(o) for o in options) > _MAX_COMBINATIONS:  # a word salad: the first fit
        return _assign(marker, words, ())
    best: tuple[int, ...] | None = None
    for combo in product(*options):
        if len(set(combo)) < len(combo) or (marker.ordered and list(combo) != sorted(combo)):
            continue
        if best is None or max(combo) - min(combo) < max(best) - min(best):
            best = combo
    return best


def find_marks(words: Sequence[frozenset[str]], compiled: Markers) -> dict[str, Mark]:
    """Returns, per label, the weight of its best matching marker and every word its matching
    markers used; a mark whose words all belong to other marks is dropped ("saat kaç" in
    "kaç saat kaç yaşından")."""
    numbers: set[int] = set()
    for terms in words:
        for term in terms:
            numbers.update(compiled.by_term.get(term, ()))
    best: dict[str, Mark] = {}
    for number in sorted(numbers):
        marker = compiled.markers[number]
        positions = _tightest(marker, words)
        if positions is None:
            continue
        current = best.get(marker.label)
        weight, used = marker.weight, frozenset(positions)
        if current is not None:
            weight, used = max(current.weight, weight), current.positions | used
        best[marker.label] = Mark(marker.label, weight, used)
    kept = dict(best)
    for mark in sorted(best.values(), key=lambda m: (len(m.positions), m.weight)):
        others = {p for m in kept.values() if m is not mark for p in m.positions}
        if mark.positions <= others:
            del kept[mark.label]
    return kept


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
