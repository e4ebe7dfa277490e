"""Choosing the offering to apply for, and whether the applicant's age fits it."""

from __future__ import annotations

from datetime import date

from core.actions import Action
from core.checks import age_on
from core.messages import Button, Payload, Reply
from handlers.apply_ask import ask
from handlers.apply_steps import Step, next_step
from handlers.apply_submit import course_label, open_offerings
from handlers.base import Context


async def choose_course(ctx: Context, branch: str) -> list[Reply]:
    """Lists the open offerings of `branch` to choose from (or offers a notice when none is)."""
    offers = open_offerings(ctx, branch)
    name = ctx.catalog.branches[branch].name
    if not offers:
        ctx.conv.clear()
        interest = Button.of(ctx.t("apply.notify_me"), Action.NOTIFY, branch)
        return [Reply(ctx.t("apply.no_open_offering", branch=name), buttons=(interest,))]
    ctx.conv.go(Step.CHOOSE_COURSE, branch=branch)
    taken = await ctx.store.seats_taken([c.id for c in offers])
    buttons = tuple(
        Button(course_label(ctx, c, c.capacity - taken.get(c.id, 0)), _course_data(ctx, c.id))
        for c in offers[:10]
    )
    return [Reply(ctx.t("apply.choose_course", branch=name), buttons=buttons)]


def _course_data(ctx: Context, course: str) -> str:
    return Payload(Action.APPLY_COURSE, (ctx.conv.token, course)).encode()


async def take_course(ctx: Context, branch: str, course: str) -> list[Reply]:
    """Keeps the chosen offering and asks the first question still open (the audience question
    of a women-only course, else the privacy notice; the summary when correcting)."""
    data = ctx.conv.data
    data.update(branch=branch, course=course)
    if data.get("birth"):  # chosen again from the summary: the new offering's age limits
        refusal = age_rules(ctx, date.fromisoformat(str(data["birth"])))
        data.pop("minor", None)
        if refusal:
            return refusal
    return await ask(ctx, choose_course, next_open_step(ctx))


def next_open_step(ctx: Context) -> Step:
    """The first question of the form not yet answered for the chosen offering."""
    course = ctx.catalog.courses.get(str(ctx.conv.data.get("course", "")))
    return next_step(ctx.conv.data, bool(course and course.women_only))


def age_rules(ctx: Context, born: date) -> list[Reply] | None:
    """Refuses a birth date in the future, implausibly long ago, or outside the offering's ages."""
    if born > ctx.today:
        ctx.conv.failures += 1
        return [Reply(ctx.t("apply.birth_in_future")), Reply(ctx.t("apply.ask_birth_date"))]
    if age_on(born, ctx.today) > 100:
        ctx.conv.failures += 1
        return [Reply(ctx.t("apply.bad_birth_date")), Reply(ctx.t("apply.ask_birth_date"))]
    course = ctx.catalog.courses[str(ctx.conv.data["course"])]
    branch = ctx.catalog.branches[course.branch]
    minimum = max(branch.min_age, course.min_age or 0)
    age = age_on(born, max(course.starts_on, ctx.today))
    if age < minimum:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.too_young", minimum=minimum, age=age))]
    if course.max_age is not None and age > course.max_age:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.too_old", maximum=course.max_age))]
    ctx.conv.data["minor"] = age < 18
    return None
