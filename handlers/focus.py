"""The topic in focus: follow-ups resolved against the course last shown, the topic kept current.

After a course card, "ne zaman başlıyor", "nerede", "kaç saat", "hafta sonu olanı var mı",
"başka merkezde var mı", "buna başvurayım" name no course: they are about the one in focus.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.actions import Action
from core.conversation import TOPIC_REFRESH, Topic
from core.intents import Intent
from core.messages import Payload
from handlers.base import Context
from handlers.courses_filter import resolve_ref
from nlu.understand import Understanding

# Questions that are about one course when none is named.
_ABOUT_A_COURSE = frozenset(
    {
        Intent.COURSE_SCHEDULE,
        Intent.COURSE_INFO,
        Intent.APPLY,
        Intent.NEAREST_CENTER,
        Intent.NOTIFY_ME,
        Intent.FAQ,  # every FAQ topic: the course in focus adds its own facts
    }
)


def topic_of(ctx: Context) -> Topic | None:
    """The topic in focus, if it is still fresh and the catalog still knows its course."""
    topic = ctx.conv.topic
    if topic is None or not topic.fresh(ctx.now):
        return None
    if topic.branch is not None and topic.branch not in ctx.catalog.branches:
        return None
    return topic


def resolve(ctx: Context, u: Understanding) -> Understanding:
    """The understanding with the course in focus filled in when the message is a follow-up."""
    if u.branch is not None or u.field is not None or not _follows_up(u):
        return u
    intent = u.intent
    if intent in (Intent.CENTER_INFO, Intent.LIST_COURSES):
        intent = Intent.COURSE_SCHEDULE if u.intent is Intent.LIST_COURSES else Intent.COURSE_INFO
    topic = topic_of(ctx)
    if topic is None or topic.branch is None:
        # "Hangisini soruyorsunuz?" was asked: the follow-up is about one of those.
        known = ctx.catalog.branches
        kept = [b for b in (topic.choices if topic else ()) if b in known]
        choices = kept or recent_choices(ctx)
        if len(choices) > 1:
            return replace(u, intent=intent, candidates=tuple(choices))
        return u
    if ctx.now - topic.at > TOPIC_REFRESH:  # still in use: keep it from expiring
        ctx.conv.topic = replace(topic, at=ctx.now)
    resolved = replace(u, intent=intent, branch=topic.branch, candidates=(topic.branch,))
    if _own_conditions(u):  # "Buca'da olanı", "akşam olanı": this message's narrowing
        if topic.centre and not (u.center or u.district) and points_there(u.normalized):
            return replace(resolved, center=topic.centre)  # "orası akşam mı": that centre's
        return resolved
    # "orası nerede", "kaç kişilik yer kalmış" after "hafta sonu olanı" or the one offering
    # shown: the same offerings
    shown = ctx.catalog.courses.get(topic.course or "")
    return replace(
        resolved,
        center=topic.centre or (shown.center if shown is not None else None),
        district=topic.district,
        time_of_day=topic.time_of_day,
        weekend=topic.weekend,
    )


def points_there(normalized: str) -> bool:
    """Whether the message points at the place last shown ("orası", "orada", "ordaki")."""
    return any(word in _THERE for word in normalized.split())


_THERE = frozenset(
    [
        "ora",
        "orasi",
        "orasinin",
        "orada",
        "oradaki",
        "oradan",
        "oraya",
        "oranin",
        "orda",
        "ordaki",
        "ordan",
        "ordakiler",
    ]
)


def _own_conditions(u: Understanding) -> bool:
    """Whether the message narrows the offerings itself (a place, a time of day, days)."""
    return bool(u.center or u.district or u.time_of_day or u.weekdays or u.weekend is not None)


def recent_choices(ctx: Context) -> list[str]:
    """The courses the last reply offered to choose from (a button each), in order."""
    known = set(ctx.catalog.branches)
    out: list[str] = []
    for offer in ctx.conv.offered:
        payload = Payload.decode(offer.data)
        if payload is None or not payload.args:
            continue
        if payload.action == Action.OFFERINGS:
            branch = resolve_ref(payload.args[0], known)
        elif payload.action == Action.APPLY_BRANCH and len(payload.args) > 1:
            branch = payload.args[1] if payload.args[1] in known else None
        else:
            continue
        if branch is not None and branch not in out:
            out.append(branch)
    return out


def _follows_up(u: Understanding) -> bool:
    if u.intent in _ABOUT_A_COURSE:
        return True
    if u.intent is Intent.CENTER_INFO:  # "nerede": where the course in focus runs
        return u.center is None
    if u.intent is Intent.LIST_COURSES:  # "hafta sonu olanı var mı", "Buca'da var mı"
        narrowed = u.time_of_day or u.weekdays or u.weekend is not None or u.district
        return bool(narrowed) or points_at_course(u.normalized)
    return False


def points_at_course(normalized: str) -> bool:
    """Whether the message points at the course last shown ("o kurs", "bu kursun", "aynı
    kurs", "that course") rather than asking about courses in general."""
    words = normalized.split()
    return any(
        w in _THIS and n.startswith(("kurs", "course", "egitim"))
        for w, n in zip(words, words[1:], strict=False)
    )


_THIS = frozenset({"o", "bu", "su", "ayni", "that", "this", "same"})


def remember(ctx: Context, **about: Any) -> None:
    """Makes `about` (branch, course, centre, district, time) the topic; unchanged, no write."""
    current = ctx.conv.topic
    topic = Topic(at=ctx.now, **about)
    same = current is not None and replace(current, at=ctx.now) == topic
    if same and current is not None and ctx.now - current.at <= TOPIC_REFRESH:
        return
    ctx.conv.topic = topic
