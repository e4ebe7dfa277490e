"""The citizen's data rights: see what is stored, and have it deleted."""

from __future__ import annotations

from core.actions import Action
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.base import Context, Router
from nlu.text import tokens
from nlu.understand import Understanding

router = Router("privacy")


@router.intent(Intent.MY_DATA)
async def show_data(ctx: Context, _: Understanding) -> list[Reply]:
    """Says what is stored about the user, and how to delete it."""
    counts = await ctx.store.describe_user_data(ctx.user)
    lines = [ctx.t(f"privacy.kind_{k}", n=n) for k, n in counts.items() if n]
    body = "\n".join(f"• {line}" for line in lines) if lines else ctx.t("privacy.nothing")
    delete = Button.of(ctx.t("privacy.delete_button"), Action.ASK, Intent.DELETE_MY_DATA)
    return [Reply(ctx.t("privacy.stored", items=body), buttons=(delete,))]


# Folded words that ask for erasure; without one, "verilerim" means "show me my data".
_ERASE_WORDS = frozenset({"sil", "kaldir", "unut", "yok"})


@router.intent(Intent.DELETE_MY_DATA)
async def ask_delete(ctx: Context, u: Understanding) -> list[Reply]:
    """Explains what deletion means and asks for confirmation (or shows the data)."""
    if ctx.incoming.text and not any(
        tok.startswith(w) for tok in tokens(ctx.incoming.text) for w in _ERASE_WORDS
    ):
        return await show_data(ctx, u)
    ctx.conv.data["delete_asked"] = True
    yes = Button.of(ctx.t("privacy.delete_yes"), Action.ERASE, "y")
    no = Button.of(ctx.t("privacy.delete_no"), Action.ERASE, "n")
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
