"""The citizen's data rights: see what is stored, and have it deleted."""

from __future__ import annotations

import re

from core.actions import Action
from core.intents import Intent
from core.messages import Button, Payload, Reply, Role
from core.records import StoredData
from handlers.base import Context, Router
from handlers.formatting import comma, format_day_month
from nlu.text import tokens
from nlu.understand import Understanding

router = Router("privacy")


@router.intent(Intent.MY_DATA)
async def show_data(ctx: Context, _: Understanding) -> list[Reply]:
    """Shows what is stored about the user, item by item (the id masked); offers deletion."""
    data = await ctx.store.stored_data(ctx.user)
    sections = _stored_items(ctx, data)
    technical = [
        ctx.t(f"privacy.kind_{kind}", n=n)
        for kind, n in data.counts.items()
        if n and kind in _TECHNICAL
    ]
    if technical:
        sections.append(ctx.t("privacy.technical", items=comma(ctx.locale).join(technical)))
    body = "\n\n".join(sections) if sections else ctx.t("privacy.nothing")
    ending = ctx.t("privacy.id_sealed") if data.id_stored else ""
    delete = Button.of(ctx.t("privacy.delete_button"), Action.ASK, Intent.DELETE_MY_DATA)
    text = re.sub(r"\n{3,}", "\n\n", ctx.t("privacy.stored", items=body, id_note=ending))
    return [Reply(text, buttons=(delete,))]


# Rows kept for the machinery, named only by count.
_TECHNICAL = (
    "conversation",
    "processed_messages",
    "inbox_messages",
    "unanswered",
    "outbox",
    "attendance",
)


def _stored_items(ctx: Context, data: StoredData) -> list[str]:
    """The user's own data, one section per kind."""
    catalog = ctx.catalog
    out: list[str] = []
    if data.phone:
        out.append(ctx.t("privacy.item_phone", phone=data.phone))
    for item in data.applications:
        app = item.record
        branch = catalog.branches.get(app.branch)
        out.append(
            ctx.t(
                "privacy.item_application",
                number=app.number,
                course=branch.name if branch else app.branch,
                status=ctx.t(f"mine.status_{app.status}", position=app.waitlist_position or "-"),
                name=app.full_name,
                national_id=app.national_id_masked,
                birth=f"{format_day_month(item.birth_date, ctx.locale)} {item.birth_date.year}",
                phone=app.phone,
                district=item.district,
            )
        )
    for enrolment in data.enrolments:
        course = catalog.courses.get(enrolment.course)
        branch = catalog.branches.get(course.branch) if course else None
        out.append(
            ctx.t(
                "privacy.item_enrolment",
                course=branch.name if branch else enrolment.course,
                name=enrolment.full_name,
            )
        )
    for branch_id, district in data.interests:
        branch = catalog.branches.get(branch_id)
        name = branch.name if branch else branch_id
        out.append(ctx.t("privacy.item_interest", course=name, place=district or "—"))
    for question in data.callback_questions:
        out.append(ctx.t("privacy.item_callback", question=question[:120]))
    return out


# Folded words that ask for erasure; without one, "verilerim" means "show me my data".
_ERASE_WORDS = frozenset({"sil", "kaldir", "unut", "yok"})


@router.intent(Intent.DELETE_MY_DATA)
async def ask_delete(ctx: Context, u: Understanding) -> list[Reply]:
    """Explains what deletion means and asks for confirmation (or shows the data)."""
    said = tokens(ctx.incoming.text) + u.normalized.split()  # English and Arabic: as Turkish
    if ctx.incoming.text and not any(tok.startswith(w) for tok in said for w in _ERASE_WORDS):
        return await show_data(ctx, u)
    ctx.conv.data["delete_asked"] = True
    yes = Button.of(ctx.t("privacy.delete_yes"), Action.ERASE, "y", role=Role.YES)
    no = Button.of(ctx.t("privacy.delete_no"), Action.ERASE, "n", role=Role.NO)
    return [Reply(ctx.t("privacy.delete_confirm"), buttons=(yes, no))]


@router.button(Action.ERASE)
async def delete_confirmed(ctx: Context, p: Payload) -> list[Reply]:
    """Deletes everything about the user after a fresh confirmation."""
    if not ctx.conv.data.get("delete_asked"):
        return [Reply(ctx.t("engine.stale_button"))]
    if p.args[:1] != ("y",):
        ctx.conv.data.pop("delete_asked", None)
        return [Reply(ctx.t("privacy.delete_kept"))]
    await ctx.store.delete_user_data(ctx.user)
    ctx.conv.clear()
    ctx.conv.erased = True  # the engine must not save this conversation again
    return [Reply(ctx.t("privacy.deleted"))]
