"""Several questions in one message: "barista ne zaman başlıyor, nerede, ücretli mi?" is the
course card (dates and centres) and the cost answer; "veri analizi ile python ne zaman" is two
cards. Each question is an understanding a journey answers; the engine joins the answers."""

from __future__ import annotations

from dataclasses import replace

from core.intents import Intent
from nlu.understand import Understanding

MAX_QUESTIONS = 4
# What a course card already answers when a branch is named ("exists": "is there a barista
# course and how much is it?", read in English order as "var mı … kurs").
COURSE_FACTS = frozenset({"when", "where", "days", "seats", "duration", "age", "exists"})
# Intents that are questions (answered together), not requests (applying, leaving...).
_QUESTIONS = frozenset(
    {
        Intent.COURSE_INFO,
        Intent.COURSE_SCHEDULE,
        Intent.CENTER_INFO,
        Intent.LIST_COURSES,
        Intent.FAQ,
        Intent.EMPLOYMENT,
    }
)
_ABOUT_ONE_COURSE = frozenset({Intent.COURSE_INFO, Intent.COURSE_SCHEDULE, Intent.FAQ})


def split_questions(u: Understanding, covered: frozenset[str] = frozenset()) -> list[Understanding]:
    """The questions one message asks, main one first; a single question for most messages.
    `covered`: the course facts the FAQ topic's own answer adds (no card needed for them)."""
    if u.intent is Intent.MY_SCHEDULE and "faq_attendance" in u.asks:
        # "yarın derse gelemiycem": their class (or how to find it), and the absence rule
        return [u, replace(u, intent=Intent.FAQ, topic="faq_attendance", branches=())]
    if u.intent not in _QUESTIONS:
        return [u]
    main = u
    if u.audience and not u.branch and u.intent in (Intent.FAQ, Intent.COURSE_INFO):
        main = replace(u, intent=Intent.LIST_COURSES, topic=None)  # "kadınlara özel kurs"
    asked = [a for a in u.asks if a != u.topic and a not in covered]
    if u.branch and u.intent is Intent.FAQ and COURSE_FACTS.intersection(asked):
        # A named course and its dates or place: the card first, the topic's answer after.
        card = Intent.COURSE_SCHEDULE if "when" in asked else Intent.COURSE_INFO
        main = replace(u, intent=card, topic=None)
        asked.append(u.topic or "")
    out = [main]
    if main.intent in _ABOUT_ONE_COURSE and len(u.branches) > 1:
        out = [replace(main, branch=b, candidates=(b,)) for b in u.branches]
    for topic in dict.fromkeys(a for a in asked if a.startswith("faq_")):
        out.append(replace(u, intent=Intent.FAQ, topic=topic, branches=()))
    return out[:MAX_QUESTIONS]
