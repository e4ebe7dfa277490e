"""Common questions (cost, certificate, who may apply, documents, attendance, jobs...) and
everything the assistant does not cover.

Every FAQ topic is data in `locales/faq.<lang>.yaml` (read and checked by `locales/faq.py`):
one handler answers `Intent.FAQ` by the topic understood, and the same file holds the answers
of two built-in intents, `employment` and `out_of_scope`. Button action: "faq" (another
answer, by name).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.actions import Action
from core.catalog import Branch, FaqTopic
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.base import Context, Router
from handlers.courses_filter import CourseFilter
from handlers.courses_info import course_facts
from handlers.courses_view import branch_offers
from handlers.focus import remember
from handlers.formatting import buttons, format_hours, safe_button
from locales.faq import TARGETS, FaqButton, load_faq
from nlu.understand import Understanding

router = Router("faq")


@router.intent(Intent.FAQ)
async def faq_topic(ctx: Context, u: Understanding) -> list[Reply]:
    """Answers the FAQ topic the message asks about and offers the next step; a topic about
    seats ("doluysa yedek listeye yazılır mıyım") adds the named course's seats left."""
    name = u.topic or Intent.OUT_OF_SCOPE
    replies = answer(ctx, name, u.branch)
    entry = load_faq(ctx.locale).get(name)
    if entry is not None and "seats" in entry.with_course and u.branch in ctx.catalog.branches:
        where = CourseFilter(branch=u.branch, center=u.center, district=u.district)
        replies += await course_facts(ctx, where, frozenset({"seats"}))  # also its focus
    elif u.branch in ctx.catalog.branches:
        remember(ctx, branch=u.branch)  # "nerede", "ne zaman" next: about this course
    return replies


# The built-in intents answer by their own name: a menu button may route to one while the
# (empty) text of the press is understood as something else.
@router.intent(Intent.EMPLOYMENT)
async def faq_employment(ctx: Context, u: Understanding) -> list[Reply]:
    """Answers a question about jobs and the employment unit."""
    return answer(ctx, Intent.EMPLOYMENT, u.branch)


@router.intent(Intent.OUT_OF_SCOPE)
async def faq_out_of_scope(ctx: Context, u: Understanding) -> list[Reply]:
    """Says what the assistant covers and where to ask about anything else."""
    ctx.unanswered = "fallback"
    return answer(ctx, u.topic or Intent.OUT_OF_SCOPE, u.branch)


@router.button(Action.FAQ)
async def on_faq(ctx: Context, payload: Payload) -> list[Reply]:
    """Answers the question a button names and offers the next step."""
    known = len(payload.args) == 1 and (
        payload.args[0] in load_faq(ctx.locale) or payload.args[0] in ctx.catalog.added_faq
    )
    if not known:
        return answer(ctx, Intent.OUT_OF_SCOPE, None)
    return answer(ctx, payload.args[0], None)


def _min_age(ctx: Context, branch: Branch) -> str | None:
    """The named course's minimum age; to someone who said their age, whether it is enough."""
    age = stated_age(ctx.incoming.text)
    if age is None:
        return ctx.t("faq.branch_min_age", branch=branch.name, min_age=branch.min_age)
    if age < branch.min_age:
        return ctx.t("faq.age_too_young", age=age, branch=branch.name, min_age=branch.min_age)
    # Youth courses (15–29) say their upper limit on each offering.
    limits = [c.max_age for c in branch_offers(ctx, branch.id)]
    if limits and all(m is not None and age > m for m in limits):
        oldest = max(m for m in limits if m is not None)
        return ctx.t("faq.age_too_old", age=age, branch=branch.name, max_age=oldest)
    return ctx.t("faq.age_enough", age=age, branch=branch.name, min_age=branch.min_age)


# "17 yaşındayım", "yaşım 17", "I'm 17", "17 years old", "عمري 17"
_AGE = (
    re.compile(r"(?<!\d)(\d{1,2})\s*(?:ya[sş]|years?\b|yrs?\b|yo\b)", re.IGNORECASE),
    re.compile(r"ya[sş][iı]m\s*(\d{1,2})(?!\d)", re.IGNORECASE),
    re.compile(r"\bi(?:'m|’m| am)\s*(\d{1,2})(?!\d)", re.IGNORECASE),
    re.compile(r"عمري\s*(\d{1,2})(?!\d)"),
)


def stated_age(text: str) -> int | None:
    """The age a message says its writer is, if it says one (10 to 99)."""
    for pattern in _AGE:
        if (found := pattern.search(text)) is not None and 10 <= int(found.group(1)) <= 99:
            return int(found.group(1))
    return None


def _attendance(ctx: Context, branch: Branch) -> str | None:
    """The named course's length and the absence it allows (a fifth, the MEB rule)."""
    if branch.hours <= 0:
        return None
    return ctx.t(
        "faq.branch_attendance",
        branch=branch.name,
        hours=format_hours(branch.hours, ctx.locale),
        allowed=format_hours(branch.hours // 5, ctx.locale),
    )


# The sentences a topic may add when a course is named (`with_course` in the content file);
# "dates_button" adds a button instead.
SENTENCES: dict[str, Callable[[Context, Branch], str | None]] = {
    "min_age": _min_age,
    "attendance": _attendance,
}


# The course facts (`handlers.questions.COURSE_FACTS`) a `with_course` option answers in full
# (a minimum age or a length alone is no answer to "which centres, when": the card still is).
_FACTS = {"seats": "seats"}


def facts_covered(locale: str, topic: str | None) -> frozenset[str]:
    """The course facts a topic's answer adds itself when a course is named."""
    entry = load_faq(locale).get(topic or "")
    if entry is None:
        return frozenset()
    return frozenset(_FACTS[o] for o in entry.with_course if o in _FACTS)


def answer(ctx: Context, name: str, branch_id: str | None) -> list[Reply]:
    """One FAQ answer, with what the catalog says about the branch asked about, if any."""
    entries = load_faq(ctx.locale)
    added = ctx.catalog.added_faq.get(name)
    if added is not None and name not in entries:
        return [_added(ctx, added)]
    entry = entries.get(name) or entries[Intent.OUT_OF_SCOPE]
    parts = [entry.answer.strip()]
    branch = ctx.catalog.branches.get(branch_id or "")
    extra: list[Button | None] = []
    if branch is not None:
        general = parts.pop()  # the course asked about first, the general rule after it
        for option in entry.with_course:
            if option == "dates_button":
                dates = ctx.t("faq.course_dates_button")
                extra.append(safe_button(dates, Action.OFFERINGS, branch.id))
            elif option == "seats":
                continue  # read from the applications: `faq_topic` adds them
            elif sentence := SENTENCES[option](ctx, branch):
                parts.append(sentence)
        parts.append(general)
    if entry.next:
        parts.append(entry.next.strip())
    items = [_button(ctx, b) for b in entry.buttons]
    return [Reply("\n\n".join(parts), buttons(*extra, *items))]


def _added(ctx: Context, topic: FaqTopic) -> Reply:
    """An answer staff added from the panel: its text, then the way on to the courses and to
    the other questions (the main menu's own buttons), since it carries no next step."""
    return Reply(
        topic.answer_in(ctx.locale).strip(),
        buttons(
            safe_button(ctx.t("menu.opt_courses"), Action.ASK, Intent.LIST_COURSES),
            safe_button(ctx.t("menu.opt_faq"), Action.ASK, Intent.FAQ_MENU),
        ),
    )


def _button(ctx: Context, spec: FaqButton) -> Button | None:
    """A content file button: a fixed target, a centre, or another answer."""
    if spec.to in TARGETS:
        return safe_button(spec.label, *TARGETS[spec.to])
    if spec.to.startswith("center:"):
        center = spec.to.removeprefix("center:")
        if center in ctx.catalog.centers:
            return safe_button(spec.label, Action.CENTRE, center)
        return None  # a centre that left the catalog: the answer still reads well without it
    return safe_button(spec.label, Action.FAQ, spec.to)
