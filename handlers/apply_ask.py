"""The questions of the application form: what each step asks and which options it offers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.actions import Action
from core.messages import Button, Reply
from handlers.apply_steps import EDUCATION, EMPLOYMENT, Step
from handlers.apply_submit import summary
from handlers.base import Context

# Lists the offerings of a branch (the journey's own step, passed in to avoid a cycle).
ChooseCourse = Callable[[Context, str], Awaitable[list[Reply]]]


def form_button(ctx: Context, label_key: str, action: str, *args: str) -> Button:
    """A form button: it carries the form's token, so an old one is recognised."""
    return Button.of(ctx.t(label_key), action, ctx.conv.token, *args)


async def ask(ctx: Context, choose_course: ChooseCourse, step: Step) -> list[Reply]:
    """Moves to `step` and asks its question."""
    ctx.conv.go(step)
    return await question(ctx, choose_course)


async def question(ctx: Context, choose_course: ChooseCourse) -> list[Reply]:
    """The pending question, with its options."""
    step = Step(ctx.conv.state or Step.ASK_BRANCH)
    if step is Step.ASK_BRANCH:
        return [Reply(ctx.t("apply.ask_branch"))]
    if step is Step.CHOOSE_COURSE:
        return await choose_course(ctx, str(ctx.conv.data.get("branch", "")))
    if step is Step.CONSENT:
        buttons = (
            form_button(ctx, "apply.consent_yes", Action.CONSENT, "y"),
            form_button(ctx, "apply.consent_no", Action.CONSENT, "n"),
        )
        course = ctx.catalog.courses[str(ctx.conv.data["course"])]
        note = ctx.t("apply.women_only_note") + "\n\n" if course.women_only else ""
        return [Reply(note + ctx.t("apply.consent"), buttons=buttons)]
    if step is Step.ASK_PHONE:
        return [phone_question(ctx)]
    if step is Step.ASK_DISTRICT:
        outside = form_button(ctx, "apply.outside", Action.OUTSIDE_IZMIR, "x")
        return [Reply(ctx.t("apply.ask_district"), buttons=(outside,))]
    if step is Step.ASK_EDUCATION:
        return [_choices(ctx, "apply.ask_education", "edu", EDUCATION)]
    if step is Step.ASK_EMPLOYMENT:
        return [_choices(ctx, "apply.ask_employment", "emp", EMPLOYMENT)]
    if step is Step.CONFIRM:
        return [summary(ctx)]
    return [Reply(ctx.t(f"apply.{step.value.partition(':')[2]}"))]


def phone_question(ctx: Context) -> Reply:
    """Asks for the phone, offering the channel's own way to share it."""
    own = ctx.own_phone()  # business-scoped ids are not numbers: no offer then
    if own is not None:
        button = form_button(ctx, "apply.use_this_number", Action.OWN_PHONE, "own")
        return Reply(ctx.t("apply.ask_phone_whatsapp", phone=own), buttons=(button,))
    if ctx.capabilities.contact_request:
        return Reply(ctx.t("apply.ask_phone_share"), ask="contact")
    return Reply(ctx.t("apply.ask_phone"))


def _choices(ctx: Context, key: str, kind: str, options: tuple[str, ...]) -> Reply:
    buttons = tuple(form_button(ctx, f"apply.{kind}_{o}", Action.FORM_OPTION, o) for o in options)
    return Reply(
        ctx.t(key), buttons=(*buttons, form_button(ctx, "apply.skip", Action.FORM_OPTION, ""))
    )
