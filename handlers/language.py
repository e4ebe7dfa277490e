"""The user's language: the three-button menu, the switch, and offering a switch.

The language lives on the user's row (`users.locale`), so every later reply, reminder and
announcement uses it. It is set by the menu ("dil", "language", "لغة"), by a whole message
naming a language ("English", "العربية", "Türkçe"), or by a first message surely written in
English or Arabic. Once the user has a language, a message in another one only offers the
switch, and so does Telegram's `language_code` (on /start): neither overrides what was chosen.
"""

from __future__ import annotations

from core.actions import Action
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.base import Context, Router
from handlers.menu import menu_reply
from nlu.language import decisive_language
from nlu.understand import Understanding

router = Router("language")

LANGUAGES = ("tr", "en", "ar")


def language_buttons(ctx: Context, only: tuple[str, ...] = LANGUAGES) -> tuple[Button, ...]:
    """One button per language, each labelled in its own language."""
    return tuple(
        Button.of(ctx.translator(f"language.name_{lang}", lang), Action.LANGUAGE, lang)
        for lang in only
        if lang in ctx.translator.locales
    )


@router.intent(Intent.CHANGE_LANGUAGE)
async def choose(ctx: Context, _: Understanding) -> list[Reply]:
    """Shows the three languages as buttons (the question in all three); a request surely
    written in another language ("can you help me in english") is answered by switching."""
    written = decisive_language(ctx.incoming.text)
    if written in ctx.translator.locales and (written != ctx.locale or ctx.locale_changed):
        await ctx.switch_locale(str(written))
        return [Reply(ctx.t("language.set")), menu_reply(ctx, "menu.greeting")]
    question = "\n".join(ctx.translator("language.choose", lang) for lang in LANGUAGES)
    return [Reply(question, buttons=language_buttons(ctx))]


@router.button(Action.LANGUAGE)
async def chosen(ctx: Context, payload: Payload) -> list[Reply]:
    """Keeps the chosen language and says so in it."""
    lang = payload.args[0] if payload.args else ""
    if lang not in ctx.translator.locales:
        return [Reply(ctx.t("language.unknown"))]
    await ctx.switch_locale(lang)
    return [Reply(ctx.t("language.set"))]


def offer_switch(ctx: Context, lang: str) -> Reply | None:
    """A short offer, in `lang`, to continue in `lang`; None when it is already spoken."""
    if lang == ctx.locale or lang not in ctx.translator.locales:
        return None
    return Reply(ctx.translator("language.offer", lang), buttons=language_buttons(ctx, (lang,)))
