"""The questions of the application form: what each step asks and which options it offers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.actions import Action
from core.messages import Button, Payload, Reply, Role
from handlers.apply_steps import EDUCATION, EMPLOYMENT, Step
from handlers.apply_submit import summary
from handlers.base import Context

# Lists the offerings of a branch (the journey's own step, passed in to avoid a cycle).
ChooseCourse = Callable[[Context, str], Awaitable[list[Reply]]]


def form_button(
    ctx: Context, label_key: str, action: str, *args: str, role: Role | None = None
) -> Button:
    """A form button: it carries the form's token, so an old one is recognised."""
    return Button.of(ctx.t(label_key), action, ctx.conv.token, *args, role=role)


def yes_no_buttons(ctx: Context, action: str, yes_key: str, no_key: str) -> tuple[Button, Button]:
    """The two answers of a yes/no question; typed "evet"/"hayır" press them too."""
    return (
        form_button(ctx, yes_key, action, "y", role=Role.YES),
        form_button(ctx, no_key, action, "n", role=Role.NO),
    )


def fresh(ctx: Context, p: Payload) -> bool:
    """Whether a pressed form button carries this form's token (and a form is open)."""
    return bool(p.args) and bool(ctx.conv.state) and p.args[0] == ctx.conv.token


def stale(ctx: Context) -> list[Reply]:
    """Says that a pressed button belongs to an older message."""
    return [Reply(ctx.t("engine.stale_button"))]


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
    if step is Step.WOMEN_ONLY:
        buttons = yes_no_buttons(
            ctx, Action.ELIGIBLE, "apply.women_only_yes", "apply.women_only_no"
        )
        return [Reply(ctx.t("apply.ask_women_only"), buttons=buttons)]
    if step is Step.CONSENT:
        buttons = yes_no_buttons(ctx, Action.CONSENT, "apply.consent_yes", "apply.consent_no")
        return [Reply(ctx.t("apply.consent"), buttons=buttons)]
    if step is Step.ASK_NAME and ctx.conv.data.get("name_unsure"):
        return [name_check(ctx, str(ctx.conv.data["name_unsure"]))]
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


def name_check(ctx: Context, name: str) -> Reply:
    """Asks whether an unsure message really is the user's name."""
    buttons = yes_no_buttons(ctx, Action.NAME_CHECK, "apply.name_check_yes", "apply.name_check_no")
    return Reply(ctx.t("apply.name_check", name=name), buttons=buttons)


def which_branch(ctx: Context, branches: list[str]) -> Reply:
    """Asks which of several courses the user means, one button each."""
    buttons = tuple(
        Button.of(ctx.catalog.branches[b].name, Action.APPLY_BRANCH, ctx.conv.token, b)
        for b in branches[:10]
        if b in ctx.catalog.branches
    )
    return Reply(ctx.t("apply.which_branch"), buttons=buttons)


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
