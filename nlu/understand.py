"""``understand``: what a message asks for, which course, field, centre, district and time."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypedDict

from core.intents import COURSE_QUESTION, Intent
from nlu.asks import find_asks, find_audience
from nlu.decide import SOCIAL, Choice, Evidence, choose_intent
from nlu.districts import is_outside_izmir
from nlu.foreign import to_turkish
from nlu.index import CatalogIndex
from nlu.intents import Cue, find_cues
from nlu.language import detect_language
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
from nlu.senses import (
    anchored,
    is_bound_course_word,
    list_members,
    mine,
    negated_segments,
    not_courses,
    residence_positions,
    sensible,
    unknown_course,
    weak_positions,
)
from nlu.text import clean, fold
from nlu.timecues import asks_earliest, find_time_cues
from nlu.vocab import Resolved

log = logging.getLogger(__name__)

FOREIGN = ("en", "ar")  # languages understood through nlu/foreign.py
_BARE_COURSE = 0.75  # how sure "kurs" or "dersler" alone makes a list of courses (lexicon.py)
# Folded question particles and their personal forms: "mı", "miyim", "mısınız", "musun"...
_YES_NO = frozenset(
    ("mi", "mu", "miyim", "muyum", "miyiz", "muyuz", "misin", "musun", "misiniz", "musunuz",
     "midir", "mudur", "miydi", "muydu")
)  # fmt: skip

_ELIGIBILITY = "faq_eligibility"  # the topic "Çiğli'de oturuyorum" alone would ask
# Intents answering a question about a course: of several questions, the first leads.
_ASKABLE = frozenset(
    {
        Intent.COURSE_INFO,
        Intent.COURSE_SCHEDULE,
        Intent.CENTER_INFO,
        Intent.FAQ,
        Intent.LIST_COURSES,
    }
)
_NOTICES = frozenset({Intent.NOTIFY_ME, Intent.MY_INTERESTS})


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
    # "where", "duration", "seats", "age", "days", "phone", and FAQ topic names ("faq_cost")...
    # so "ne zaman başlıyor, nerede, ücretli mi" is answered whole.
    asks: tuple[str, ...] = ()
    # The branches named, in message order: several when named as a list ("veri analizi ile
    # python"), each to be answered; else just `branch` (never its near-equal alternatives).
    branches: tuple[str, ...] = ()
    # Branches the message says it does NOT want ("fransızca değil italyanca": fransizca).
    negated: tuple[str, ...] = ()
    # Who a course is for, when the message asks by audience: "women" | "youth" | "disabled".
    audience: str | None = None
    # A course the message asks about that the catalog has no branch for ("ehliyet").
    unknown_course: str | None = None
    earliest: bool = False  # "en erken başlayan hangisi": the first offering only

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


def _other_question(choice: Choice, evidence: Evidence, tokens: Sequence[str]) -> bool:
    """A yes/no question about something else that only mentions the courses ("derslerde
    kahve molası veriliyor mu", "çocuğumu kursa getirebilir miyim"): no list of courses
    answers it. Asking for courses ("kurs var mı", "yeni kurslar açılacak mı") is sure enough
    of itself, or names what it lists."""
    named = evidence.branch or evidence.field or evidence.centre or evidence.district
    if choice.intent is not Intent.LIST_COURSES or choice.confidence > _BARE_COURSE or named:
        return False
    return len(tokens) >= 3 and any(t in _YES_NO for t in tokens[1:])


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


@dataclass(frozen=True, slots=True)
class _Courses:
    """The branches and field a message names, and the intent cues left once names are read."""

    branches: list[Hit]  # the best branch, then close alternatives of the same words
    listed: list[Hit]  # several branches named as a list, in message order
    field: Hit | None
    cues: Mapping[str, Cue]
    negated: tuple[str, ...] = ()
    anchored: tuple[frozenset[int], ...] = ()  # words of names bound or typed whole


def _branch_hits(
    roots: Sequence[frozenset[str]],
    words: Sequence[Resolved],
    cue_positions: frozenset[int],
    index: CatalogIndex,
) -> list[Hit]:
    """Ranks the branches the words name, without those named only by everyday words."""
    forms = [w.form or w.token for w in words]
    hits = rank(roots, index.branches, index.branch_weights, cue_positions, forms)
    tokens = [w.token for w in words]
    return sensible(hits, weak_positions(roots, cue_positions, index, tokens), words, index)


def _courses(
    words: Sequence[Resolved],
    cues: Mapping[str, Cue],
    index: CatalogIndex,
    listing: bool,
    hidden: Sequence[range] = (),
    blocked: frozenset[int] = frozenset(),
) -> _Courses:
    """Finds the branches and field named, and drops intent cues that are part of a name;
    words in ``hidden`` stretches name only negated branches, ``blocked`` words none."""
    roots = [frozenset() if p in blocked else r for p, r in enumerate(content_roots(words, index))]
    cue_positions = _positions(cues)
    negated: list[str] = []
    unwanted: set[int] = set()
    for stretch in hidden:
        inside = [r if p in stretch else frozenset() for p, r in enumerate(roots)]
        found = candidates(_branch_hits(inside, words, cue_positions, index))
        if found:
            negated.extend(h.id for h in found if h.id not in negated)
            unwanted.update(stretch)
    if unwanted:
        roots = [frozenset() if p in unwanted else r for p, r in enumerate(roots)]
    hits = _branch_hits(roots, words, cue_positions, index)
    branches = candidates(hits)
    wholes = [b.positions for b in branches if b.whole_phrase]
    if wholes:  # "ilk yardım" is a course, not a plea for help
        cues = {i: c for i, c in cues.items() if not any(c.positions <= w for w in wholes)}
        cue_positions = _positions(cues)
        hits = _branch_hits(roots, words, cue_positions, index)
        branches = candidates(hits)
    if branches and branches[0].positions <= cue_positions:
        branches = []  # named only by intent words: "yardım et" is no first-aid course
    weak = weak_positions(roots, cue_positions, index, [w.token for w in words])
    field_hits = rank(roots, index.fields, index.field_weights, cue_positions)
    field = _pick_field(sensible(field_hits, weak, words, index), cue_positions)
    if field is not None and branches:
        # "tarım kursları" lists a field; "kuyumculuk kursu" asks about its branches
        whole_field = field.query_cover >= 0.99
        if whole_field and (listing or branches[0].query_cover < 0.99):
            branches = []
        elif not whole_field:
            field = None
    if len(branches) > 1 and not _bound(branches[0], words, index):
        # "my turkish is not great. is there a barista course": the one called a course
        bound = [h for h in branches if _bound(h, words, index)]
        if bound and bound[0].positions.isdisjoint(branches[0].positions):
            branches = [bound[0], *(h for h in branches if h is not bound[0])]
    listed = list_members(branches[0], hits, words, index) if branches else []
    if len(listed) > 1:  # "keman ve gitar": the first named, with its own alternatives
        first = listed[0]
        branches = [
            first,
            *(h for h in branches if h is not first and h.positions == first.positions),
        ]
    anchors = tuple(h.positions for h in branches if anchored(h, words, index))
    return _Courses(branches, listed, field, cues, tuple(negated), anchors)


def _bound(hit: Hit, words: Sequence[Resolved], index: CatalogIndex) -> bool:
    """Whether the word right after a hit is a course word ("barista kursu")."""
    after = max(hit.positions, default=-2) + 1
    if not 0 < after < len(words):
        return False
    token = words[after].token
    return token.startswith("kurs") or is_bound_course_word(token, index)


def _surface(text: str, positions: Sequence[int], words: Sequence[Resolved]) -> str:
    """Returns words of a message as typed (lowercase, with Turkish letters)."""
    typed = {fold(w): w for w in clean(text).split()}
    return " ".join(typed.get(words[p].token, words[p].token) for p in positions)


def _visible(words: Sequence[Resolved], hidden: Sequence[range]) -> list[Resolved]:
    """Returns the words with those of negated stretches emptied ("buca değil, bornova")."""
    gone = {p for stretch in hidden for p in stretch}
    return [Resolved(w.token, frozenset()) if p in gone else w for p, w in enumerate(words)]


def _near_cues(
    cues: Mapping[str, Cue], residence: frozenset[int], named: bool
) -> tuple[Mapping[str, Cue], bool]:
    """Reads "Çiğli'de oturuyorum" with a course or "yakın" as a wish for a centre nearby:
    drops the eligibility cue that rests only on where the person lives."""
    near = Intent.NEAREST_CENTER in cues
    if not residence or not (near or named):
        return cues, near
    kept = {
        label: cue
        for label, cue in cues.items()
        if not (cue.topic == _ELIGIBILITY and cue.positions <= residence)
    }
    return kept, True


def _first_question(evidence: Evidence, first: frozenset[int], choice: Choice) -> Choice:
    """Chooses the intent of the first of several questions ("ne zaman, nerede, ücretli mi")."""
    if choice.intent not in _ASKABLE:
        return choice
    cues = {label: c for label, c in evidence.cues.items() if c.positions & first}
    if not cues:
        return choice
    again = choose_intent(replace(evidence, cues=cues))
    return again if again.intent in _ASKABLE else choice


def _kept_asks(
    asks: Sequence[tuple[str, frozenset[int]]], cues: Mapping[str, Cue], choice: Choice
) -> tuple[str, ...]:
    """Returns the asks, without those made of a greeting's words ("iyi günler") or of a
    notice's ("açılırsa haber ver" asks no date)."""
    social = _positions({k: c for k, c in cues.items() if c.intent in SOCIAL})
    own = (
        cues[choice.intent].positions
        if choice.intent in _NOTICES and choice.intent in cues
        else frozenset()
    )
    return tuple(label for label, used in asks if not used <= social and not used <= own)


def understand(text: str, index: CatalogIndex, locale: str | None = None) -> Understanding:
    """Understands one message against a catalog index; never raises on any text.

    English and Arabic (the user's language, else what the message is written in) are first
    rewritten into the Turkish words they stand for (nlu/foreign.py)."""
    lang = locale if locale in FOREIGN else detect_language(text)
    if lang in FOREIGN:
        text = to_turkish(text, lang, index.foreign)
    words = analyse(text, index)
    terms = [w.terms for w in words]
    tokens = [w.token for w in words]
    base = index.base
    listing = any(not t.isdisjoint(base.listing) for t in terms)
    hidden = negated_segments(words, index)
    unknown = unknown_course(words, index)
    blocked = frozenset(unknown) | not_courses(words, index) | mine(words)
    _, spots = find_centre(words, index)
    if len(spots) > 1 and max(spots) - min(spots) + 1 == len(spots):
        blocked |= spots  # "Dijital Gençlik Merkezi" names a centre, not a "dijital" course
    courses = _courses(words, find_cues(terms, base), index, listing, hidden, blocked)
    branches, field = courses.branches, courses.field
    visible = _visible(words, hidden) if hidden else words
    centre, _ = find_centre(visible, index)
    district, _ = find_district(visible, index)
    residence = residence_positions(words, index) if district is not None else frozenset()
    cues, near = _near_cues(courses.cues, residence, bool(branches))
    evidence = Evidence(
        cues=cues,
        branch=branches[0] if branches else None,
        field=field,
        centre=centre,
        district=district,
        about_courses=any(not t.isdisjoint(base.course_words) for t in terms),
        ambiguous=len(branches) > 1,
        near=near,
    )
    choice = choose_intent(evidence)
    if choice.intent is Intent.OUT_OF_SCOPE and branches:
        branches, field = [], None  # "pasta siparişi veriyor musunuz" names no course
    asks = find_asks(terms, cues, index, courses.anchored, choice.topic)
    if branches and len(asks) > 1 and asks[0][0] not in index.topics:
        choice = _first_question(evidence, asks[0][1], choice)  # a course fact asked first
    time = find_time_cues(tokens)
    audience, _ = find_audience(terms, tokens, time.numbers, index)
    asked_course = _surface(text, unknown, words) if unknown and not branches else None
    if (asked_course or audience) and choice.intent in (Intent.LIST_COURSES, Intent.OUT_OF_SCOPE):
        # "ehliyet kursu var mı" asks about one course; "kadınlara özel" asks for courses
        intent = Intent.COURSE_INFO if asked_course else Intent.LIST_COURSES
        choice = Choice(intent, max(choice.confidence, 0.7))
    elif _other_question(choice, evidence, tokens) and not (time.time_of_day or time.weekend):
        choice = Choice(Intent.OUT_OF_SCOPE, 0.7, COURSE_QUESTION)
    branch_id = branches[0].id if branches else None
    field_id = field.id if field is not None else None
    if field_id is None and branch_id is not None:
        field_id = index.branch_field.get(branch_id)
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
        normalized=" ".join(tokens),
        asks=_kept_asks(asks, cues, choice),
        branches=tuple(h.id for h in courses.listed),
        negated=courses.negated,
        audience=audience,
        unknown_course=asked_course,
        earliest=asks_earliest(tokens),
    )
    # What was understood, never what was written (it may be a name, an id, a phone number).
    log.debug(
        "understood %d words as %s (branch=%s confidence=%.2f)",
        len(tokens),
        result.intent_name,
        result.branch,
        result.confidence,
    )
    return result
