"""The buttons inside the application form: consent, audience, name, phone, options, summary."""

from __future__ import annotations

from core.actions import Action
from core.messages import Payload, Reply
from handlers.apply_answer import accept, consent, eligible
from handlers.apply_ask import ask, form_button, fresh, phone_question, stale
from handlers.apply_offer import choose_course
from handlers.apply_steps import EDITABLE, EDUCATION, EMPLOYMENT, Step, check_district, check_phone
from handlers.apply_submit import submit
from handlers.base import Context


async def consent_button(ctx: Context, p: Payload) -> list[Reply]:
    """Consent given or refused."""
    if not fresh(ctx, p) or ctx.conv.state != Step.CONSENT:
        return stale(ctx)
    return await consent(ctx, p.args[1:2] == ("y",))


async def eligible_button(ctx: Context, p: Payload) -> list[Reply]:
    """The answer to "this course is for women only; is it right for you?"."""
    if not fresh(ctx, p) or ctx.conv.state != Step.WOMEN_ONLY:
        return stale(ctx)
    return await eligible(ctx, p.args[1:2] == ("y",))


async def name_check_button(ctx: Context, p: Payload) -> list[Reply]:
    """Keeps the name read from an unsure message, or asks for it again."""
    name = ctx.conv.data.pop("name_unsure", None)
    if not fresh(ctx, p) or ctx.conv.state != Step.ASK_NAME or not name:
        return stale(ctx)
    if p.args[1:2] == ("y",):
        return await accept(ctx, Step.ASK_NAME, str(name))
    return [Reply(ctx.t("apply.ask_name"))]


async def own_phone_button(ctx: Context, p: Payload) -> list[Reply]:
    """Use the number the user writes from (channels whose user id is the phone number)."""
    own = ctx.own_phone()
    if not fresh(ctx, p) or ctx.conv.state != Step.ASK_PHONE or own is None:
        return stale(ctx)
    checked = check_phone(own)
    if checked.value is None:
        return [Reply(ctx.t("apply.bad_phone")), phone_question(ctx)]
    return await accept(ctx, Step.ASK_PHONE, checked.value)


async def outside_button(ctx: Context, p: Payload) -> list[Reply]:
    """The user lives outside İzmir."""
    if not fresh(ctx, p) or ctx.conv.state != Step.ASK_DISTRICT:
        return stale(ctx)
    return await accept(ctx, Step.ASK_DISTRICT, check_district("izmir dışı").value or "")


async def option_button(ctx: Context, p: Payload) -> list[Reply]:
    """An education or employment option (or skip)."""
    step = ctx.conv.state
    if not fresh(ctx, p) or step not in (Step.ASK_EDUCATION, Step.ASK_EMPLOYMENT):
        return stale(ctx)
    options = EDUCATION if step == Step.ASK_EDUCATION else EMPLOYMENT
    value = p.args[1] if len(p.args) > 1 else ""
    if value and value not in options:
        return stale(ctx)
    return await accept(ctx, Step(step), value)


async def summary_button(ctx: Context, p: Payload) -> list[Reply]:
    """Submit, or choose a field to correct."""
    if not fresh(ctx, p) or ctx.conv.state != Step.CONFIRM:
        return stale(ctx)
    what = p.args[1] if len(p.args) > 1 else ""
    if what == "send":
        return await submit(ctx)
    if what == "edit":
        buttons = tuple(
            form_button(ctx, f"apply.field_{f}", Action.EDIT_FIELD, f) for f in EDITABLE
        )
        return [Reply(ctx.t("apply.which_field"), buttons=buttons)]
    return stale(ctx)


async def edit_button(ctx: Context, p: Payload) -> list[Reply]:
    """Asks again for the one field the user wants to correct, then returns to the summary."""
    if not fresh(ctx, p) or ctx.conv.state != Step.CONFIRM or len(p.args) < 2:
        return stale(ctx)
    step = EDITABLE.get(p.args[1])
    if step is None:
        return stale(ctx)
    return await ask(ctx, choose_course, step)
