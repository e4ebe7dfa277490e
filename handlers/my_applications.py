"""The user's own applications: status, details, cancellation with confirmation."""

from __future__ import annotations

from core.actions import Action
from core.intents import Intent
from core.messages import Button, Payload, Reply, Role
from core.records import ApplicationRecord
from handlers.base import Context, Router
from handlers.formatting import format_day_month
from nlu.understand import Understanding

router = Router("my_applications")

_ACTIVE = ("pending", "waitlisted", "accepted")


def _line(ctx: Context, app: ApplicationRecord) -> str:
    course = ctx.catalog.courses.get(app.course)
    branch = ctx.catalog.branches.get(app.branch)
    center = ctx.catalog.centers.get(course.center) if course else None
    status = ctx.t(f"mine.status_{app.status}", position=app.waitlist_position or "-")
    return ctx.t(
        "mine.line",
        number=app.number,
        course=branch.name if branch else app.branch,
        center=center.name if center else "",
        starts=format_day_month(course.starts_on, ctx.locale) if course else "",
        status=status,
    )


@router.intent(Intent.APPLICATION_STATUS)
async def list_mine(ctx: Context, _: Understanding) -> list[Reply]:
    """Lists the user's applications with their status; offers to cancel an active one."""
    apps = await ctx.store.applications_of(ctx.user)
    if not apps:
        apply = Button.of(ctx.t("menu.opt_apply"), Action.ASK, Intent.APPLY)
        return [Reply(ctx.t("mine.none"), buttons=(apply,))]
    text = ctx.t("mine.header") + "\n\n" + "\n\n".join(_line(ctx, a) for a in apps[:10])
    buttons = tuple(
        Button.of(ctx.t("mine.cancel_button", number=a.number), Action.CANCEL_APPLICATION, a.number)
        for a in apps[:10]
        if a.status in _ACTIVE
    )
    return [Reply(text, buttons=buttons)]


@router.intent(Intent.CANCEL_APPLICATION)
async def cancel_intent(ctx: Context, _: Understanding) -> list[Reply]:
    """Asks which active application to cancel (or confirms the only one)."""
    active = [a for a in await ctx.store.applications_of(ctx.user) if a.status in _ACTIVE]
    if not active:
        return [Reply(ctx.t("mine.nothing_to_cancel"))]
    if len(active) == 1:
        return _confirm(ctx, active[0])
    buttons = tuple(Button.of(a.number, Action.CANCEL_APPLICATION, a.number) for a in active)
    return [Reply(ctx.t("mine.which_to_cancel"), buttons=buttons)]


def _confirm(ctx: Context, app: ApplicationRecord) -> list[Reply]:
    yes = Button.of(ctx.t("mine.cancel_yes"), Action.CANCEL_CONFIRMED, app.number, role=Role.YES)
    no = Button.of(ctx.t("mine.cancel_no"), Action.ASK, Intent.APPLICATION_STATUS, role=Role.NO)
    return [Reply(ctx.t("mine.cancel_confirm", line=_line(ctx, app)), buttons=(yes, no))]


@router.button(Action.CANCEL_APPLICATION)
async def cancel_button(ctx: Context, p: Payload) -> list[Reply]:
    """Asks to confirm cancelling one application."""
    number = p.args[0] if p.args else ""
    app = next((a for a in await ctx.store.applications_of(ctx.user) if a.number == number), None)
    if app is None or app.status not in _ACTIVE:
        return [Reply(ctx.t("mine.cannot_cancel"))]
    return _confirm(ctx, app)


@router.button(Action.CANCEL_CONFIRMED)
async def cancel_confirmed(ctx: Context, p: Payload) -> list[Reply]:
    """Cancels the application; its seat passes to the first on the waiting list."""
    number = p.args[0] if p.args else ""
    done = await ctx.store.cancel_application(ctx.user, number)
    if done is None:
        return [Reply(ctx.t("mine.cannot_cancel"))]
    return [Reply(ctx.t("mine.cancelled", number=number))]
