"""Everything a message asks ("ne zaman, nerede, ücretli mi") and whom it asks a course for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from nlu.index import CatalogIndex
from nlu.intents import Cue, find_marks

TOPIC_FLOOR = 0.75  # a FAQ topic this sure is asked too, besides the main intent
_YOUTH_AGES = range(12, 36)  # "15-29 yaş arası": an age band of young people


def find_asks(
    terms: Sequence[frozenset[str]],
    cues: Mapping[str, Cue],
    index: CatalogIndex,
    inside_names: Iterable[frozenset[int]] = (),
    main_topic: str | None = None,
) -> list[tuple[str, frozenset[int]]]:
    """Returns what a message asks, in message order, with the words asking it: "when",
    "where", "duration", "seats", "age", "days", "phone" and FAQ topic names; words of a
    course's name ask nothing."""
    names = list(inside_names)
    found: list[tuple[int, int, str, frozenset[int]]] = []
    for mark in find_marks(terms, index.base.asks).values():
        if any(mark.positions <= n for n in names):
            continue  # "cep telefonu tamiri" asks for no phone number
        found.append((min(mark.positions), max(mark.positions), mark.label, mark.positions))
    specific = frozenset(p for *_, positions in found for p in positions)
    for cue in cues.values():
        if cue.topic is None or cue.positions <= specific:
            continue
        if cue.weight < TOPIC_FLOOR and cue.topic != main_topic:
            continue  # "kaç yaş sınırı" asks the age, not the whole eligibility topic
        found.append((min(cue.positions), max(cue.positions), cue.topic, cue.positions))
    found.sort(key=lambda f: (f[0], f[1]))
    asks: dict[str, frozenset[int]] = {}
    for _, _, label, positions in found:
        asks.setdefault(label, positions)
    return list(asks.items())


def find_audience(
    terms: Sequence[frozenset[str]],
    tokens: Sequence[str],
    numbers: Sequence[int],
    index: CatalogIndex,
) -> tuple[str | None, frozenset[int]]:
    """Returns whom a message asks courses for ("women", "youth", "disabled") and the words
    saying it."""
    marks = find_marks(terms, index.base.audiences)
    if marks:
        best = max(marks.values(), key=lambda m: (m.weight, -min(m.positions)))
        return best.label, best.positions
    ages = sorted(n for n in numbers if n in _YOUTH_AGES)
    band = any(t.startswith("yas") for t in tokens) and any(t.startswith("ara") for t in tokens)
    if band and len(ages) >= 2 and ages[0] < ages[-1]:
        return "youth", frozenset()  # "15-29 yaş arası için kurs"
    return None, frozenset()
