"""``understand``: what a message asks for, which course, field, centre, district and time."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from core.intents import Intent
from nlu.decide import Evidence, choose_intent
from nlu.districts import is_outside_izmir
from nlu.index import CatalogIndex
from nlu.intents import Cue, find_cues
from nlu.matching import (
    Hit,
    analyse,
    candidates,
    content_roots,
    find_centre,
    find_district,
    is_solid,
    rank,
)
from nlu.timecues import find_time_cues
from nlu.vocab import Resolved

log = logging.getLogger(__name__)


class ContractDict(TypedDict):
    """The JSON object printed by ``meslek-bot understand --json``."""

    intent: str  # the intent, or the FAQ topic's name where the intent is FAQ
    branch: str | None
    candidates: list[str]
    field: str | None
    center: str | None
    district: str | None
    confidence: float


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the assistant understood from one message."""

    intent: Intent
    confidence: float
    topic: str | None = None  # the FAQ topic ("faq_cost") when the intent is Intent.FAQ
    branch: str | None = None
    candidates: tuple[str, ...] = ()  # best branch first, then close alternatives
    field: str | None = None
    center: str | None = None
    district: str | None = None  # official spelling ("Karşıyaka")
    time_of_day: str | None = None  # morning | afternoon | evening
    weekdays: tuple[str, ...] = ()  # mon..sun
    weekend: bool | None = None
    relative_date: str | None = None  # today | tomorrow | this_week | next_week | ...
    numbers: tuple[int, ...] = ()
    outside_izmir: bool = False
    normalized: str = ""
    # Everything the message asks, in order, besides or including the main intent: "when",
    # "where", "duration", "seats", "age", "women", and FAQ topic names ("faq_cost")... so
    # "ne zaman başlıyor, nerede, ücretli mi" is answered whole.
    asks: tuple[str, ...] = ()
    # Several branches named as a list ("veri analizi ile python"): each is asked about.
    branches: tuple[str, ...] = ()
    # Branches the message says it does NOT want ("fransızca değil italyanca": fransizca).
    negated: tuple[str, ...] = ()
    # Who a course is for, when the message asks by audience: "women" | "youth" | "disabled".
    audience: str | None = None
    # A course the message asks about that the catalog has no branch for ("ehliyet").
    unknown_course: str | None = None

    @property
    def ambiguous(self) -> bool:
        """Tells whether several branches fit about equally (the assistant should ask)."""
        return len(self.candidates) > 1

    @property
    def intent_name(self) -> str:
        """Returns the intent as ``understand`` prints it: the FAQ topic's name for a FAQ."""
        if self.intent is Intent.FAQ and self.topic:
            return self.topic
        return self.intent

    def as_contract(self) -> ContractDict:
        """Returns exactly the keys of the ``understand`` JSON line in CONTRACT.md."""
        return {
            "intent": self.intent_name,
            "branch": self.branch,
            "candidates": list(self.candidates),
            "field": self.field,
            "center": self.center,
            "district": self.district,
            "confidence": round(min(max(self.confidence, 0.0), 1.0), 3),
        }


def _positions(cues: Mapping[str, Cue]) -> frozenset[int]:
    """Returns every word position some intent cue used."""
    return frozenset(p for c in cues.values() for p in c.positions)


def _pick_field(hits: Sequence[Hit], cue_positions: frozenset[int]) -> Hit | None:
    """Returns the field the message names, if any."""
    for hit in hits:
        if hit.positions <= cue_positions:
            continue
        if is_solid(hit) and (hit.query_cover >= 0.99 or hit.phrase_cover >= 0.5):
            return hit
        return None
    return None


def _courses(
    words: Sequence[Resolved],
    cues: Mapping[str, Cue],
    index: CatalogIndex,
    listing: bool,
) -> tuple[list[Hit], Hit | None, Mapping[str, Cue]]:
    """Finds the branches and field named, and drops intent cues that are part of a name."""
    roots = content_roots(words, index)
    forms = [w.form or w.token for w in words]
    cue_positions = _positions(cues)
    branches = candidates(rank(roots, index.branches, index.branch_weights, cue_positions, forms))
    wholes = [b.positions for b in branches if b.whole_phrase]
    if wholes:  # "ilk yardım" is a course, not a plea for help
        cues = {i: c for i, c in cues.items() if not any(c.positions <= w for w in wholes)}
        cue_positions = _positions(cues)
        branches = candidates(
            rank(roots, index.branches, index.branch_weights, cue_positions, forms)
        )
    if branches and branches[0].positions <= cue_positions:
        branches = []  # named only by intent words: "yardım et" is no first-aid course
    field = _pick_field(
        rank(roots, index.fields, index.field_weights, cue_positions), cue_positions
    )
    if field is not None and branches:
        # "tarım kursları" lists a field; "kuyumculuk kursu" asks about its branches
        whole_field = field.query_cover >= 0.99
        if whole_field and (listing or branches[0].query_cover < 0.99):
            branches = []
        elif not whole_field:
            field = None
    return branches, field, cues


def understand(text: str, index: CatalogIndex) -> Understanding:
    """Understands one message against a catalog index; never raises on any text."""
    words = analyse(text, index)
    terms = [w.terms for w in words]
    base = index.base
    listing = any(not t.isdisjoint(base.listing) for t in terms)
    branches, field, cues = _courses(words, find_cues(terms, base), index, listing)
    centre, _ = find_centre(words, index)
    district, _ = find_district(words, index)
    evidence = Evidence(
        cues=cues,
        branch=branches[0] if branches else None,
        field=field,
        centre=centre,
        district=district,
        about_courses=any(not t.isdisjoint(base.course_words) for t in terms),
        ambiguous=len(branches) > 1,
    )
    choice = choose_intent(evidence)
    branch_id = branches[0].id if branches else None
    field_id = field.id if field is not None else None
    if field_id is None and branch_id is not None:
        field_id = index.branch_field.get(branch_id)
    time = find_time_cues([w.token for w in words])
    result = Understanding(
        intent=choice.intent,
        confidence=round(min(choice.confidence, 0.99), 3),
        topic=choice.topic,
        branch=branch_id,
        candidates=tuple(h.id for h in branches),
        field=field_id,
        center=centre,
        district=district,
        time_of_day=time.time_of_day,
        weekdays=time.weekdays,
        weekend=time.weekend,
        relative_date=time.relative_date,
        numbers=time.numbers,
        outside_izmir=district is None and is_outside_izmir(text),
        normalized=" ".join(w.token for w in words),
    )
    log.debug("understood %r as %s", result.normalized[:80], result.intent_name)
    return result
