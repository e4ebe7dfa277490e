"""Applying for a course by chat: branch → offering → consent → the form → summary → submit.

The journey's one router: its entry points are here; the typed answers (apply_answer.py) and the
form's buttons (apply_buttons.py) are registered on it below.
"""

from __future__ import annotations

from core.actions import Action
from core.intents import Intent
from core.messages import Payload, Reply
from handlers.apply_answer import answer
from handlers.apply_ask import ask, fresh, question, stale, which_branch
from handlers.apply_buttons import (
    consent_button,
    edit_button,
    eligible_button,
    name_check_button,
    option_button,
    outside_button,
    own_phone_button,
    summary_button,
)
from handlers.apply_offer import choose_course, take_course
from handlers.apply_steps import Step, previous_step
from handlers.apply_submit import open_offerings
from handlers.base import Context, Router
from handlers.focus import topic_of
from nlu.understand import Understanding

router = Router("apply")


@router.intent(Intent.APPLY)
async def start(ctx: Context, u: Understanding) -> list[Reply]:
    """Starts an application; asks which course when the message names none."""
    ctx.conv.clear()
    if u.branch and len(u.candidates) <= 1:
        topic = topic_of(ctx)  # "buna başvurayım" after one offering was shown: that one
        lone = topic.course if topic is not None and topic.branch == u.branch else None
        if lone and lone in {c.id for c in open_offerings(ctx, u.branch)}:
            return await take_course(ctx, u.branch, lone)
        return await choose_course(ctx, u.branch)
    ctx.conv.go(Step.ASK_BRANCH)
    if len(u.candidates) > 1:
        return [which_branch(ctx, list(u.candidates))]
    return [Reply(ctx.t("apply.ask_branch"))]


@router.button(Action.APPLY)
async def start_from_button(ctx: Context, p: Payload) -> list[Reply]:
    """Starts an application for an offering (`apply|<course>`) or a branch (`apply|<branch>`)."""
    first = p.args[0] if p.args else ""
    offering = ctx.catalog.courses.get(first)
    branch = offering.branch if offering else first
    course = offering.id if offering else (p.args[1] if len(p.args) > 1 else "")
    if branch not in ctx.catalog.branches:
        return [Reply(ctx.t("apply.unknown_branch"))]
    ctx.conv.clear()
    if course:
        offers = {c.id for c in open_offerings(ctx, branch)}
        if course in offers:
            return await take_course(ctx, branch, course)
    return await choose_course(ctx, branch)


@router.button(Action.APPLY_BRANCH)
async def branch_button(ctx: Context, p: Payload) -> list[Reply]:
    """The user picked a branch from the options."""
    if not fresh(ctx, p) or len(p.args) < 2 or p.args[1] not in ctx.catalog.branches:
        return stale(ctx)
    return await choose_course(ctx, p.args[1])


@router.button(Action.APPLY_COURSE)
async def course_button(ctx: Context, p: Payload) -> list[Reply]:
    """The user picked an offering; next comes the privacy notice."""
    if not fresh(ctx, p) or len(p.args) < 2:
        return stale(ctx)
    branch = str(ctx.conv.data.get("branch", ""))
    if p.args[1] not in {c.id for c in open_offerings(ctx, branch)}:
        return [Reply(ctx.t("apply.course_gone")), *await choose_course(ctx, branch)]
    return await take_course(ctx, branch, p.args[1])


@router.on_reprompt
async def reprompt(ctx: Context) -> list[Reply]:
    """Asks the pending question again after an interruption."""
    return await question(ctx, choose_course)


@router.on_back
async def back(ctx: Context) -> list[Reply]:
    """Goes back one question."""
    step = Step(ctx.conv.state or Step.ASK_BRANCH)
    if step in (Step.ASK_BRANCH, Step.CHOOSE_COURSE):
        return await start(ctx, ctx.understanding)
    course = ctx.catalog.courses.get(str(ctx.conv.data.get("course", "")))
    ctx.conv.data.pop("name_unsure", None)
    return await ask(ctx, choose_course, previous_step(step, bool(course and course.women_only)))


# The form: a typed answer to the pending question, and the buttons of its questions.
router.on_state(answer)
router.button(Action.CONSENT)(consent_button)
router.button(Action.ELIGIBLE)(eligible_button)
router.button(Action.NAME_CHECK)(name_check_button)
router.button(Action.OWN_PHONE)(own_phone_button)
router.button(Action.OUTSIDE_IZMIR)(outside_button)
router.button(Action.FORM_OPTION)(option_button)
router.button(Action.SUMMARY)(summary_button)
router.button(Action.EDIT_FIELD)(edit_button)
