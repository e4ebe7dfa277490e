"""Changes of mind and side questions in the middle of the application form.

Read before a message is taken as an answer, at every step: leaving ("vazgeçtim"), another
course ("X değil Y", "başka kursa başvuracağım"), another offering of the same course ("başka
merkezde olsun"), and a question about the course being applied for ("kurs nerede?").
"""

from __future__ import annotations

from dataclasses import replace

from core.catalog import Course
from core.intents import Intent
from core.messages import Reply
from handlers.apply_ask import ChooseCourse, question, which_branch
from handlers.apply_offer import take_course
from handlers.apply_steps import Step
from handlers.apply_submit import open_offerings
from handlers.base import Context
from handlers.formatting import (
    format_date,
    format_day_month,
    format_hours,
    format_time_range,
    format_weekdays,
)
from handlers.mind import (
    Mind,
    applies,
    ask_to_leave,
    correction_parts,
    corrects,
    mind_words,
    read_mind,
)
from handlers.typed import asks
from nlu.text import tokens
from nlu.understand import Understanding

_CONFIDENT = 0.6
# Questions about "the course" that the chosen offering answers (where, when, what).
_ABOUT_COURSE = frozenset({
    Intent.CENTER_INFO, Intent.NEAREST_CENTER, Intent.COURSE_SCHEDULE, Intent.COURSE_INFO,
})  # fmt: skip


async def change_of_mind(
    ctx: Context, step: Step, choose_course: ChooseCourse
) -> list[Reply] | None:
    """Leaving, another course, another offering, or this same course again; None otherwise."""
    if step is not Step.ASK_BRANCH:
        wanted = _wanted_branches(ctx)
        if len(wanted) == 1:
            ctx.conv.clear()
            return await choose_course(ctx, wanted[0])
        if wanted:
            ctx.conv.clear()
            ctx.conv.go(Step.ASK_BRANCH)
            return [which_branch(ctx, wanted)]
    mind = read_mind(ctx.incoming.text)
    if mind is Mind.LEAVE:
        return ask_to_leave(ctx)
    if step is Step.ASK_BRANCH:
        return None
    moved = _offering_named(ctx) if step not in (Step.CHOOSE_COURSE, Step.ASK_DISTRICT) else None
    if mind is Mind.OTHER_OFFERING and moved is None:  # "başka merkez olsun": which one?
        ctx.conv.data.pop("name_unsure", None)
        return await choose_course(ctx, str(ctx.conv.data["branch"]))
    if moved is not None:  # "Foça'daki olsun", "another centre, the one in Foça"
        ctx.conv.data.pop("name_unsure", None)
        centre = ctx.catalog.centers[moved.center].name
        when = format_day_month(moved.starts_on, ctx.locale)
        switched = Reply(ctx.t("apply.offering_switched", centre=centre, date=when))
        return [switched, *await take_course(ctx, moved.branch, moved.id)]
    if mind is Mind.OTHER_COURSE:
        ctx.conv.clear()
        ctx.conv.go(Step.ASK_BRANCH)
        return [Reply(ctx.t("apply.other_course"))]
    if _same_course_again(ctx):
        branch = ctx.catalog.branches[str(ctx.conv.data["branch"])].name
        again = Reply(ctx.t("apply.already_here", branch=branch))
        return [again, *await question(ctx, choose_course)]
    return None


def _offering_named(ctx: Context) -> Course | None:
    """Another open offering of this course at the centre or district the message names
    ("gaziemirdeki olsun aslında"); None when it names none, or several fit."""
    u = ctx.understanding
    if not (u.center or u.district) or (u.branch and u.branch != ctx.conv.data.get("branch")):
        return None
    centres = ctx.catalog.centers
    fits = [
        c
        for c in open_offerings(ctx, str(ctx.conv.data.get("branch", "")))
        if c.id != ctx.conv.data.get("course")
        and c.center in centres
        and (c.center == u.center or (not u.center and centres[c.center].district == u.district))
    ]
    return fits[0] if len(fits) == 1 else None


def about_this_course(ctx: Context) -> Reply | None:
    """Where and when the chosen offering is, for a question that names no other course or
    centre ("kurs nerede yapılacak", "ne zaman başlıyor"); None for any other message."""
    course = ctx.catalog.courses.get(str(ctx.conv.data.get("course", "")))
    if course is None or not asks(ctx.incoming.text, tokens(ctx.incoming.text)):
        return None
    u = ctx.understanding
    if (
        u.intent not in _ABOUT_COURSE
        or u.confidence < _CONFIDENT
        or u.branch not in (None, course.branch)
        or u.center is not None
        or u.district is not None
    ):
        return None
    center = ctx.catalog.centers[course.center]
    branch = ctx.catalog.branches[course.branch]
    text = ctx.t(
        "apply.about_course",
        course=branch.name,
        center=center.name,
        address=center.address,
        starts=format_date(course.starts_on, ctx.locale),
        days=format_weekdays(course.weekdays, ctx.locale),
        hours=format_time_range(course.start_time, course.end_time, ctx.locale),
        total=format_hours(branch.hours, ctx.locale),
    )
    if center.phone:
        text += " " + ctx.t("apply.about_course_phone", phone=center.phone)
    return Reply(text)


def _wanted_branches(ctx: Context) -> list[str]:
    """Courses other than this one that the message asks for instead ("X değil Y", "pardon,
    Y'ye yazılacaktım"); empty when it names none or does not ask to change."""
    text = ctx.incoming.text
    words = mind_words(text)
    if asks(text, tokens(text)) or not (applies(words) or corrects(words)):
        return []
    current = str(ctx.conv.data.get("branch", ""))
    for part in correction_parts(text):  # what follows "değil" first
        u = _understanding_of(ctx, part)
        if u.branch and u.branch != current:
            return [u.branch]
    u = ctx.understanding
    if u.branch is None or u.branch in u.negated:
        return []
    if u.branch == current and not corrects(words):  # "Excel'e başvuracağım" in Excel's form
        return []
    # "barista instead of pastry", "ليس باريستا، حلويات": the course named besides this one
    named = (u.branch, *u.candidates)
    return list(dict.fromkeys(b for b in named if b != current and b not in u.negated))


def _same_course_again(ctx: Context) -> bool:
    """ "Excel'e başvurmak istiyorum" in the middle of the Excel form: nothing to restart."""
    if not applies(mind_words(ctx.incoming.text)):
        return False
    u = ctx.understanding
    if u.intent != Intent.APPLY or u.confidence < _CONFIDENT:
        return False
    return u.branch is None or u.branch == ctx.conv.data.get("branch")


def _understanding_of(ctx: Context, part: str) -> Understanding:
    """What a part of the message means on its own."""
    alone = replace(ctx, incoming=replace(ctx.incoming, text=part), _understanding=None)
    return alone.understanding
