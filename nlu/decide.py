"""Choosing one intent from the intent cues and the entities a message names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

from core.intents import Intent
from nlu.intents import Cue
from nlu.matching import Hit

# Questions about a course: with a branch named they keep their own intent. Every FAQ topic
# is one ("barista kursu ücretli mi").
COURSE_QUESTIONS = frozenset(
    {
        Intent.COURSE_SCHEDULE,
        Intent.APPLY,
        Intent.FAQ,
        Intent.APPLICATION_STATUS,
        Intent.CANCEL_APPLICATION,
        Intent.NOTIFY_ME,
    }
)
# Requests about the person or the conversation: they win over a course word only when clear.
PERSONAL = frozenset(
    {
        Intent.MY_SCHEDULE,
        Intent.REMINDER_SETTINGS,
        Intent.EMPLOYMENT,
        Intent.TALK_TO_HUMAN,
        Intent.DELETE_MY_DATA,
        Intent.CHANGE_LANGUAGE,
        Intent.NEAREST_CENTER,
        Intent.HELP,
        Intent.MY_INTERESTS,
    }
)
_GENERAL = frozenset({Intent.LIST_COURSES, Intent.COURSE_INFO})
_ANSWERABLE = frozenset({Intent.APPLY, Intent.APPLICATION_STATUS})
SOCIAL = frozenset({Intent.GREETING, Intent.GOODBYE, Intent.THANKS})  # greetings and thanks
_NEAR = 0.86  # how sure a course with a district and "yakın" or "oturuyorum" asks for nearby
_FLOOR = 0.55  # weakest cue that still beats "out of scope" when nothing else is named
_CLEAR = 0.6  # a cue this strong beats a greeting or a thank-you in the same message
_ERRAND = 0.9  # an errand this sure (an order, an appointment, a breakdown) beats a course name
_POLITE = 0.7  # another request this sure makes "yardım eder misiniz" mere politeness


class Choice(NamedTuple):
    """The intent chosen for a message, how sure, and the FAQ topic when the intent is FAQ."""

    intent: Intent
    confidence: float
    topic: str | None = None


def _of(cue: Cue, confidence: float) -> Choice:
    """Chooses what a cue signals, with a confidence."""
    return Choice(cue.intent, confidence, cue.topic)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What was found in a message, ready for choosing its intent."""

    cues: Mapping[str, Cue]  # by label: the intent, or the FAQ topic's name
    branch: Hit | None
    field: Hit | None
    centre: str | None
    district: str | None
    about_courses: bool  # the message says "kurs", "eğitim", "ders"...
    ambiguous: bool = False  # several branches fit about equally
    near: bool = False  # "yakın", "civarında", or where the person lives with a course


def strongest(cues: Mapping[str, Cue], group: frozenset[Intent]) -> Cue | None:
    """Returns the strongest cue whose intent is in the group."""
    pool = (c for c in cues.values() if c.intent in group)
    return max(pool, key=lambda c: c.weight, default=None)


def _best(cues: Mapping[str, Cue], *, social: bool = False) -> Cue | None:
    """Returns the strongest cue among social intents, or among all the others."""
    pool = (
        c
        for c in cues.values()
        if (c.intent in SOCIAL) == social and c.intent is not Intent.OUT_OF_SCOPE
    )
    return max(pool, key=lambda c: c.weight, default=None)


def choose_intent(evidence: Evidence) -> Choice:
    """Chooses the intent of a message and a confidence between 0 and 1."""
    evidence = _without_polite_help(evidence)
    if evidence.branch is not None:
        return _with_branch(evidence, evidence.branch)
    return _without_branch(evidence)


def _with_branch(evidence: Evidence, branch: Hit) -> Choice:
    """Chooses the intent of a message that names a branch."""
    cues = evidence.cues
    course = 0.5 + 0.5 * branch.score
    outside = cues.get(Intent.OUT_OF_SCOPE)
    off_topic = outside is not None and outside.weight >= 0.85 and not evidence.about_courses
    if off_topic and outside is not None and (not branch.whole_phrase or outside.weight > _ERRAND):
        # "pizza siparişi", "pasta siparişi", "kuaför randevusu", "arabam bozuldu": no course
        return Choice(Intent.OUT_OF_SCOPE, outside.weight * 0.9)
    question = strongest(cues, COURSE_QUESTIONS)
    personal = strongest(cues, PERSONAL)
    place = cues.get(Intent.CENTER_INFO)
    listing = cues.get(Intent.LIST_COURSES)
    if (
        personal is not None
        and personal.weight >= 0.88
        and (question is None or personal.weight > question.weight)
    ):
        return _of(personal, personal.weight * 0.9)
    if evidence.near and evidence.district is not None:
        nearest = cues.get(Intent.NEAREST_CENTER)
        near = max(nearest.weight if nearest is not None else 0.0, _NEAR)
        if question is None or question.weight <= near:  # "Çiğli'de yakın excel kursu"
            return Choice(Intent.NEAREST_CENTER, (near + course) / 2)
    if question is not None and question.weight >= 0.7:
        return _of(question, (question.weight + course) / 2)
    if place is not None and place.weight >= 0.8 and evidence.centre is not None:
        return _of(place, (place.weight + course) / 2)
    if listing is not None and listing.weight >= 0.86 and evidence.ambiguous:
        return Choice(Intent.LIST_COURSES, (listing.weight + course) / 2)  # "mutfak kursları"
    return Choice(Intent.COURSE_INFO, course)


def _without_polite_help(evidence: Evidence) -> Evidence:
    """ "... Türkçe kursu var mı, yardım eder misiniz", "iş bulmama yardım edin": the help
    asked for is the other request (or the course named), not the assistant's menu."""
    help_cue = evidence.cues.get(Intent.HELP)
    if help_cue is None:
        return evidence
    others = [
        c
        for c in evidence.cues.values()
        if c.intent not in SOCIAL and c.intent not in (Intent.HELP, Intent.OUT_OF_SCOPE)
    ]
    if evidence.branch is None and not any(c.weight >= _POLITE for c in others):
        return evidence
    cues = {k: c for k, c in evidence.cues.items() if c.intent is not Intent.HELP}
    return replace(evidence, cues=cues)


def _without_branch(evidence: Evidence) -> Choice:
    """Chooses the intent of a message that names no branch."""
    cues = evidence.cues
    cue = _best(cues)
    weight = cue.weight if cue is not None else 0.0
    specific = cue if cue is not None and cue.intent not in _GENERAL else None
    if evidence.field is not None:
        if specific is not None and weight >= 0.8:
            return _of(specific, weight)
        return Choice(Intent.LIST_COURSES, 0.6 + 0.35 * evidence.field.score)
    if evidence.centre is not None:
        return _at_centre(cues, cue)
    if evidence.district is not None:
        if specific is not None and weight >= 0.75:
            return _of(specific, weight)
        return Choice(Intent.LIST_COURSES, max(weight, 0.75))
    outside = cues.get(Intent.OUT_OF_SCOPE)
    # A tie goes to what we answer: "doktora gidicem derse gelemem" asks about absences; so
    # does a question about applying told with a trouble ("bilgisayarım bozuldu, başvuruyu
    # telefondan yapabilir miyim").
    answerable = cue is not None and cue.intent in _ANSWERABLE and weight >= 0.88
    if outside is not None and outside.weight > weight and not answerable:
        return Choice(Intent.OUT_OF_SCOPE, outside.weight)
    social = _best(cues, social=True)
    if cue is not None and weight >= _FLOOR and (weight >= _CLEAR or social is None):
        return _of(cue, weight)
    if social is not None:
        return _of(social, social.weight)
    return Choice(Intent.OUT_OF_SCOPE, 0.7)


def _at_centre(cues: Mapping[str, Cue], cue: Cue | None) -> Choice:
    """Chooses the intent of a message that names a centre but no branch."""
    if cue is None:
        return Choice(Intent.CENTER_INFO, 0.8)
    if cue.intent is Intent.LIST_COURSES and cue.weight >= 0.75:
        return Choice(Intent.LIST_COURSES, cue.weight)
    place = cues.get(Intent.CENTER_INFO)
    if cue.intent is Intent.COURSE_SCHEDULE and place is not None:
        return Choice(Intent.CENTER_INFO, place.weight)  # "saat kaça kadar açık": opening hours
    if cue.intent not in _GENERAL and (cue.weight >= 0.8 or cue.intent is Intent.NEAREST_CENTER):
        return _of(cue, cue.weight)
    return Choice(Intent.CENTER_INFO, max(cue.weight, 0.8))
