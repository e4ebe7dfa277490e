"""Which handler answers a turn: global words, then the active journey, then understanding."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from core.actions import Action
from core.conversation import Offer
from core.intents import Intent
from core.messages import Kind, Payload, Reply, Role
from handlers.base import Context, Routes
from handlers.faq import facts_covered
from handlers.focus import resolve
from handlers.language import offer_switch
from handlers.mind import ask_to_leave
from handlers.questions import split_questions
from handlers.typed import choose
from nlu.global_words import is_global_word
from nlu.language import decisive_language, language_choice
from nlu.text import tokens
from nlu.understand import Understanding

log = logging.getLogger(__name__)

# Intents that are real questions: answered in the middle of a form, then the form goes on.
_QUESTION_CONFIDENCE = 0.6
_NOT_QUESTIONS = frozenset(
    {Intent.OUT_OF_SCOPE, Intent.GREETING, Intent.THANKS, Intent.GOODBYE, Intent.HELP}
)
# Telegram-style commands: each maps to the intent that the same words would have.
COMMANDS: dict[str, Intent] = {
    "kurslar": Intent.LIST_COURSES,
    "basvuru": Intent.APPLY,
    "basvurularim": Intent.APPLICATION_STATUS,
    "yardim": Intent.HELP,
    "menu": Intent.HELP,
    "verilerim": Intent.MY_DATA,
    "merkezler": Intent.NEAREST_CENTER,
    "derslerim": Intent.MY_SCHEDULE,
    "hatirlatmalar": Intent.REMINDER_SETTINGS,
}
# While a person answers (a handoff), these still reach their handlers: reminder answers,
# erasure, leaving, a callback request, the "leave the form?" answer; and DUR/STOP words.
_THROUGH_HANDOFF = frozenset(
    {Action.ATTEND, Action.ERASE, Action.HANDOFF_LEAVE, Action.CALLBACK, Action.LEAVE}
)
_STOP_WORDS = frozenset({"dur", "stop", "basla", "start"})
JOINED_BUTTONS = 6  # buttons of a reply that answers several questions at once
_START = re.compile(r"^/start(?:@\w+)?(?:\s+(\S+))?\s*$")
_COMMAND = re.compile(r"^/([a-z_]+)(?:@\w+)?(?:\s+.*)?$")


async def route(ctx: Context, routes: Routes) -> list[Reply]:
    """Answers one message and records the buttons it offered, for typed answers to them."""
    offer = await _language(ctx)
    replies = await _route(ctx, routes)
    # Answered, yet asked again: the answer did not help (a question, not "menü" typed twice).
    again = ctx.asked_again and len(ctx.incoming.text.split()) >= 2
    if again and ctx.unanswered is None and not ctx.conv.state:
        ctx.unanswered = "repeated"
    if ctx.unanswered is not None and ctx.incoming.kind is Kind.TEXT:
        await ctx.store.note_unanswered(ctx.user, ctx.incoming.text, ctx.unanswered)
    if offer is not None and not ctx.locale_changed:  # not when the turn switched anyway
        replies.append(offer)
    ctx.conv.offered = tuple(Offer.of(b) for r in replies for b in r.buttons)[:30]
    return replies


async def _route(ctx: Context, routes: Routes) -> list[Reply]:
    msg = ctx.incoming
    if ctx.conv.handoff is not None and _held(ctx):
        held = await _call(ctx, routes, "handoff")
        if held:  # else staff closed the conversation: the assistant answers as usual
            return held
    if msg.kind is Kind.MEDIA:
        return [Reply(ctx.t("engine.media"))] + await _reprompt(ctx, routes)
    if msg.kind is Kind.BUTTON:
        return await _press(ctx, routes, msg.data)
    if msg.kind is Kind.LOCATION:
        return await _call(ctx, routes, "location")
    if msg.kind is Kind.CONTACT:
        if ctx.conv.state:
            return await _state(ctx, routes)
        return await _call(ctx, routes, "contact")
    text = msg.text.strip()
    if not text:
        return [Reply(ctx.t("engine.empty"))] + await _reprompt(ctx, routes)
    if pressed := _typed_option(ctx, text):
        return await _press(ctx, routes, pressed)
    if text.startswith("/"):
        return await _command(ctx, routes, text)
    word = is_global_word(text)
    if word:
        return await _global(ctx, routes, word)
    if chosen := language_choice(text):  # "English", "العربية", "Türkçe"
        switched = await _press(ctx, routes, Payload(Action.LANGUAGE, (chosen,)).encode())
        return switched + await _reprompt(ctx, routes)  # a form goes on, in the new language
    if ctx.conv.state:
        return await _state(ctx, routes)
    return await _intent(ctx, routes, ctx.understanding)


def _held(ctx: Context) -> bool:
    """Whether a message during a handoff goes to the person answering (not the assistant)."""
    msg = ctx.incoming
    if msg.kind is Kind.BUTTON:
        payload = Payload.decode(msg.data)
        return payload is not None and payload.action not in _THROUGH_HANDOFF
    if msg.kind is not Kind.TEXT:
        return False
    text = msg.text.strip()
    pressed = _typed_option(ctx, text)
    payload = Payload.decode(pressed) if pressed else None
    if payload is not None and payload.action in _THROUGH_HANDOFF:
        return False
    words = tokens(text)
    if len(words) == 1 and words[0] in _STOP_WORDS:
        return False
    return ctx.understanding.intent != Intent.DELETE_MY_DATA


async def _language(ctx: Context) -> Reply | None:
    """Speaks the language a message is surely written in, or offers to (handlers/language.py).

    A user without a language is switched by a message surely in English or Arabic (never by
    "ok" or "merhaba"); one who has a language is only offered the switch, as is a Telegram
    user whose app is set to another language (on /start).
    """
    msg = ctx.incoming
    if msg.kind is not Kind.TEXT or language_choice(msg.text):
        return None
    written = decisive_language(msg.text)
    if msg.text.startswith("/start") and not ctx.locale_chosen:
        return offer_switch(ctx, (msg.locale_hint or "")[:2].lower())
    if written is None or written == ctx.locale or written not in ctx.translator.locales:
        return None
    if ctx.conv.state:  # a name or an answer typed into a form says nothing about language
        return None
    if not ctx.locale_chosen:
        await ctx.switch_locale(written)
        return None
    return offer_switch(ctx, written)


def _typed_option(ctx: Context, text: str) -> str | None:
    """Typing "2", an option's label or "evet" presses that option of the last message."""
    offer = choose(text, ctx.conv.offered)
    if offer is None:
        return None
    if (
        offer.role is Role.YES
        and Payload.decode(offer.data) is not None
        and not offer.data.startswith(f"{Action.ERASE}|")
        and ctx.understanding.intent == Intent.DELETE_MY_DATA
    ):
        return None  # "verilerimi sil": its "sil" says yes to the erasure only, never "send"
    return offer.data


async def _command(ctx: Context, routes: Routes, text: str) -> list[Reply]:
    if m := _START.match(text):
        payload = m[1] or ""
        if payload.startswith("basvuru_"):
            return await _press(ctx, routes, Payload(Action.APPLY, (payload[8:],)).encode())
        return await _call(ctx, routes, "menu")
    m = _COMMAND.match(text)
    intent = COMMANDS.get(m[1]) if m else None
    if intent is None:
        return [Reply(ctx.t("engine.unknown_command"))] + await _call(ctx, routes, "menu")
    return await _intent(ctx, routes, None, intent)


async def _global(ctx: Context, routes: Routes, word: str) -> list[Reply]:
    journey = routes.journeys.get(ctx.conv.journey or "")
    if word == "menu":
        return await _call(ctx, routes, "menu")
    if word == "help":
        return await _call(ctx, routes, "help") + await _reprompt(ctx, routes)
    if word == "back":
        if journey and journey.back_handler:
            return await journey.back_handler(ctx)
        return [Reply(ctx.t("engine.nothing_to_go_back"))] + await _call(ctx, routes, "menu")
    # cancel
    if ctx.conv.state:
        return ask_to_leave(ctx)
    return [Reply(ctx.t("engine.nothing_to_cancel"))] + await _call(ctx, routes, "menu")


async def _state(ctx: Context, routes: Routes) -> list[Reply]:
    journey = routes.journeys.get(ctx.conv.journey or "")
    if journey is None or journey.state_handler is None:
        log.warning("conversation in unknown state %s; starting over", ctx.conv.state)
        ctx.conv.clear()
        return await _intent(ctx, routes, ctx.understanding)
    replies = await journey.state_handler(ctx)
    if replies is not None:
        if ctx.conv.failures >= 3:
            replies = replies + await _call(ctx, routes, "stuck")
        return replies
    # Not an answer: maybe a question in the middle of the form. Answer it, then ask again.
    u = ctx.understanding
    if u.intent in _NOT_QUESTIONS or u.confidence < _QUESTION_CONFIDENCE:
        ctx.conv.failures += 1
        replies = [Reply(ctx.t("engine.not_understood_in_form")), *await _reprompt(ctx, routes)]
        if ctx.conv.failures >= 3:
            replies += await _call(ctx, routes, "stuck")
        return replies
    state_before = ctx.conv.state
    answer = await _intent(ctx, routes, u)
    if ctx.conv.state == state_before:
        return answer + await _reprompt(ctx, routes)
    return answer


async def _reprompt(ctx: Context, routes: Routes) -> list[Reply]:
    journey = routes.journeys.get(ctx.conv.journey or "")
    if ctx.conv.state and journey and journey.reprompt_handler:
        return await journey.reprompt_handler(ctx)
    return []


async def _intent(
    ctx: Context, routes: Routes, u: Understanding | None, intent: Intent | None = None
) -> list[Reply]:
    u = u or ctx.understanding
    if intent is not None:
        return await _answer(ctx, routes, u, intent)
    u = resolve(ctx, u)  # a follow-up about the course in focus
    asked = split_questions(u, facts_covered(ctx.locale, u.topic))
    replies = await _answer(ctx, routes, asked[0], asked[0].intent)
    for question in asked[1:]:  # several questions: one reply answers them all
        more = await _answer(ctx, routes, question, question.intent)
        replies = _joined(replies, more)
    return replies


async def _answer(ctx: Context, routes: Routes, u: Understanding, intent: Intent) -> list[Reply]:
    handler = routes.intents.get(Intent(intent)) or routes.intents.get(Intent.OUT_OF_SCOPE)
    if handler is None:
        return [Reply(ctx.t("engine.not_understood"))]
    return await handler(ctx, u)


def _joined(first: list[Reply], more: list[Reply]) -> list[Reply]:
    """The text of `more` added to the first reply; all of its buttons are kept, and the others'
    fill up to JOINED_BUTTONS."""
    if not first:
        return more
    text = "\n\n".join([first[0].text, *(r.text for r in more)])
    own = first[0].buttons
    seen = {b.data for b in own}
    extra = tuple(b for r in more for b in r.buttons if b.data not in seen)
    kept = own + extra[: max(0, JOINED_BUTTONS - len(own))]
    return [replace(first[0], text=text, buttons=kept), *first[1:]]


async def _call(ctx: Context, routes: Routes, hook: str) -> list[Reply]:
    """Runs a special entry point registered as a button action named `__<hook>__`."""
    handler = routes.buttons.get(f"__{hook}__")
    if handler is None:
        return []
    return await handler(ctx, Payload(f"__{hook}__"))


async def _press(ctx: Context, routes: Routes, data: str) -> list[Reply]:
    payload = Payload.decode(data)
    if payload is None or payload.action.startswith("__"):
        return await _stale(ctx, routes)
    if payload.action == Action.LEAVE:
        return await _leave(ctx, routes, payload)
    if payload.action == Action.ASK and payload.args:  # a menu button that asks what words would
        name = payload.args[0]
        if name in ctx.catalog.index.topics:  # a FAQ topic, by the name `understand` prints
            return await _intent(
                ctx, routes, replace(ctx.understanding, intent=Intent.FAQ, topic=name)
            )
        intent = _known_intent(name)
        if intent is None:
            return await _stale(ctx, routes)
        return await _intent(ctx, routes, None, intent)
    handler = routes.buttons.get(payload.action)
    if handler is None:
        return await _stale(ctx, routes)
    return await handler(ctx, payload)


def _known_intent(value: str) -> Intent | None:
    try:
        intent = Intent(value)
    except ValueError:
        return None
    return None if intent is Intent.FAQ else intent  # a FAQ is asked for by its topic


async def _stale(ctx: Context, routes: Routes) -> list[Reply]:
    """A button from an old message or a forged payload: a polite word, nothing changes."""
    replies = [Reply(ctx.t("engine.stale_button"))]
    return replies + (await _reprompt(ctx, routes) or await _call(ctx, routes, "menu"))


async def _leave(ctx: Context, routes: Routes, payload: Payload) -> list[Reply]:
    token, answer = (payload.args + ("", ""))[:2]
    if not ctx.conv.state or token != ctx.conv.token:
        return await _stale(ctx, routes)
    ctx.conv.leaving = False
    if answer == "y":
        ctx.conv.clear()
        return [Reply(ctx.t("engine.left"))] + await _call(ctx, routes, "menu")
    return await _reprompt(ctx, routes)
