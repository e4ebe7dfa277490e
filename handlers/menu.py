"""The main menu, greetings, help, and the way out when the user is stuck."""

from __future__ import annotations

from core.actions import Action
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.base import Context, Router
from locales.faq import load_faq, menu_items
from nlu.understand import Understanding

router = Router("menu")

_MENU = (
    ("menu.opt_courses", "list_courses"),
    ("menu.opt_apply", "apply"),
    ("menu.opt_my_applications", "application_status"),
    ("menu.opt_nearest", "nearest_center"),
    ("menu.opt_faq", "faq_menu"),
    ("menu.opt_human", "talk_to_human"),
)


def menu_reply(ctx: Context, intro_key: str = "menu.intro") -> Reply:
    """The main menu: what the assistant can do, one option per line."""
    buttons = tuple(Button.of(ctx.t(key), Action.ASK, intent) for key, intent in _MENU)
    return Reply(ctx.t(intro_key), buttons=buttons)


@router.button("__menu__")
async def show_menu(ctx: Context, _: Payload) -> list[Reply]:
    """Shows the main menu; a paused form is kept."""
    return [menu_reply(ctx)]


@router.intent(Intent.GREETING)
async def greet(ctx: Context, _: Understanding) -> list[Reply]:
    """Greets the user and shows what the assistant can do."""
    return [menu_reply(ctx, "menu.greeting")]


@router.intent(Intent.HELP)
async def help_intent(ctx: Context, _: Understanding) -> list[Reply]:
    """Explains how to talk to the assistant, then shows the menu."""
    return [Reply(ctx.t("menu.help")), menu_reply(ctx)]


@router.button("__help__")
async def help_word(ctx: Context, _: Payload) -> list[Reply]:
    """Explains the global words (yardım inside a form keeps the form)."""
    return [Reply(ctx.t("menu.help"))]


@router.intent(Intent.THANKS)
async def thanks(ctx: Context, _: Understanding) -> list[Reply]:
    """Answers a thank-you."""
    return [Reply(ctx.t("menu.thanks"))]


@router.intent(Intent.GOODBYE)
async def goodbye(ctx: Context, _: Understanding) -> list[Reply]:
    """Says goodbye."""
    return [Reply(ctx.t("menu.goodbye"))]


@router.intent(Intent.FAQ_MENU)
async def faq_menu(ctx: Context, _: Understanding) -> list[Reply]:
    """Lists the frequently asked topics that have a menu title in the FAQ content file."""
    items = menu_items(load_faq(ctx.locale))
    buttons = tuple(Button.of(title, Action.ASK, name) for name, title in items)
    return [Reply(ctx.t("menu.faq_intro"), buttons=buttons)]


@router.button("__stuck__")
async def stuck(ctx: Context, _: Payload) -> list[Reply]:
    """After repeated failures: offers to stop the form or to reach a person."""
    leave = Button.of(ctx.t("menu.stuck_leave"), Action.LEAVE, ctx.conv.token, "y")
    human = Button.of(ctx.t("menu.opt_human"), Action.ASK, Intent.TALK_TO_HUMAN)
    return [Reply(ctx.t("menu.stuck"), buttons=(leave, human))]
