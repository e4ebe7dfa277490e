"""Which handler answers a turn: global words, then the active journey, then understanding."""

from __future__ import annotations

import logging
import re

from core.messages import Button, Kind, Payload, Reply
from handlers.base import ButtonHandler, Context, IntentHandler, Router
from nlu.global_words import is_global_word
from nlu.understand import Understanding

log = logging.getLogger(__name__)

# Intents that are real questions: answered in the middle of a form, then the form goes on.
_QUESTION_CONFIDENCE = 0.6
_NOT_QUESTIONS = {"out_of_scope", "greeting", "thanks", "goodbye", "help"}
# Telegram-style commands: each maps to the intent that the same words would have.
COMMANDS = {
    "kurslar": "list_courses",
    "basvuru": "apply",
    "basvurularim": "application_status",
    "yardim": "help",
    "menu": "help",
    "verilerim": "my_data",
    "merkezler": "nearest_center",
    "derslerim": "my_schedule",
    "hatirlatmalar": "reminder_settings",
}
_START = re.compile(r"^/start(?:@\w+)?(?:\s+(\S+))?\s*$")
_COMMAND = re.compile(r"^/([a-z_]+)(?:@\w+)?(?:\s+.*)?$")


def _intent_handler(routers: list[Router], intent: str) -> IntentHandler | None:
    return next((r.intents[intent] for r in routers if intent in r.intents), None)


def _button_handler(routers: list[Router], action: str) -> ButtonHandler | None:
    return next((r.buttons[action] for r in routers if action in r.buttons), None)


def _journey(routers: list[Router], name: str | None) -> Router | None:
    return next((r for r in routers if r.name == name), None)


async def route(ctx: Context, routers: list[Router]) -> list[Reply]:
    """Answers one message and records the buttons it offered for "type the number"."""
    replies = await _route(ctx, routers)
    ctx.conv.offered = tuple(b.data for r in replies for b in r.buttons)[:30]
    return replies


async def _route(ctx: Context, routers: list[Router]) -> list[Reply]:
    msg = ctx.incoming
    if msg.kind is Kind.MEDIA:
        return [Reply(ctx.t("engine.media"))] + await _reprompt(ctx, routers)
    if msg.kind is Kind.BUTTON:
        return await _press(ctx, routers, msg.data)
    if msg.kind is Kind.LOCATION:
        return await _call(ctx, routers, "location")
    if msg.kind is Kind.CONTACT:
        if ctx.conv.state:
            return await _state(ctx, routers)
        return await _call(ctx, routers, "contact")
    text = msg.text.strip()
    if not text:
        return [Reply(ctx.t("engine.empty"))] + await _reprompt(ctx, routers)
    if pressed := _typed_option(ctx, text):
        return await _press(ctx, routers, pressed)
    if text.startswith("/"):
        return await _command(ctx, routers, text)
    word = is_global_word(text)
    if word:
        return await _global(ctx, routers, word)
    if ctx.conv.state:
        return await _state(ctx, routers)
    return await _intent(ctx, routers, ctx.understanding)


def _typed_option(ctx: Context, text: str) -> str | None:
    """Typing "2" or an option's label presses that option of the last message."""
    offered = ctx.conv.offered
    if not offered:
        return None
    if text.isdigit() and 1 <= int(text) <= len(offered) and len(text) <= 2:
        return offered[int(text) - 1]
    return None


async def _command(ctx: Context, routers: list[Router], text: str) -> list[Reply]:
    if m := _START.match(text):
        payload = m[1] or ""
        if payload.startswith("basvuru_"):
            return await _press(ctx, routers, Payload("apply", (payload[8:],)).encode())
        return await _call(ctx, routers, "menu")
    m = _COMMAND.match(text)
    intent = COMMANDS.get(m[1]) if m else None
    if intent is None:
        return [Reply(ctx.t("engine.unknown_command"))] + await _call(ctx, routers, "menu")
    return await _intent(ctx, routers, None, intent)


async def _global(ctx: Context, routers: list[Router], word: str) -> list[Reply]:
    journey = _journey(routers, ctx.conv.journey)
    if word == "menu":
        return await _call(ctx, routers, "menu")
    if word == "help":
        return await _call(ctx, routers, "help") + await _reprompt(ctx, routers)
    if word == "back":
        if journey and journey.back_handler:
            return await journey.back_handler(ctx)
        return [Reply(ctx.t("engine.nothing_to_go_back"))] + await _call(ctx, routers, "menu")
    # cancel
    if ctx.conv.state:
        ctx.conv.leaving = True
        yes = Button.of(ctx.t("engine.leave_yes"), "leave", ctx.conv.token, "y")
        no = Button.of(ctx.t("engine.leave_no"), "leave", ctx.conv.token, "n")
        return [Reply(ctx.t("engine.leave_confirm"), buttons=(yes, no))]
    return [Reply(ctx.t("engine.nothing_to_cancel"))] + await _call(ctx, routers, "menu")


async def _state(ctx: Context, routers: list[Router]) -> list[Reply]:
    journey = _journey(routers, ctx.conv.journey)
    if journey is None or journey.state_handler is None:
        log.warning("conversation in unknown state %s; starting over", ctx.conv.state)
        ctx.conv.clear()
        return await _intent(ctx, routers, ctx.understanding)
    replies = await journey.state_handler(ctx)
    if replies is not None:
        if ctx.conv.failures >= 3:
            replies = replies + await _call(ctx, routers, "stuck")
        return replies
    # Not an answer: maybe a question in the middle of the form. Answer it, then ask again.
    u = ctx.understanding
    if u.intent in _NOT_QUESTIONS or u.confidence < _QUESTION_CONFIDENCE:
        ctx.conv.failures += 1
        replies = [Reply(ctx.t("engine.not_understood_in_form")), *await _reprompt(ctx, routers)]
        if ctx.conv.failures >= 3:
            replies += await _call(ctx, routers, "stuck")
        return replies
    state_before = ctx.conv.state
    answer = await _intent(ctx, routers, u)
    if ctx.conv.state == state_before:
        return answer + await _reprompt(ctx, routers)
    return answer


async def _reprompt(ctx: Context, routers: list[Router]) -> list[Reply]:
    journey = _journey(routers, ctx.conv.journey)
    if ctx.conv.state and journey and journey.reprompt_handler:
        return await journey.reprompt_handler(ctx)
    return []


async def _intent(
    ctx: Context, routers: list[Router], u: Understanding | None, intent: str | None = None
) -> list[Reply]:
    u = u or ctx.understanding
    name = intent or u.intent
    handler = _intent_handler(routers, name) or _intent_handler(routers, "out_of_scope")
    if handler is None:
        return [Reply(ctx.t("engine.not_understood"))]
    return await handler(ctx, u)


async def _call(ctx: Context, routers: list[Router], hook: str) -> list[Reply]:
    """Runs a special entry point registered as a button action named `__<hook>__`."""
    handler = _button_handler(routers, f"__{hook}__")
    if handler is None:
        return []
    return await handler(ctx, Payload(f"__{hook}__"))


async def _press(ctx: Context, routers: list[Router], data: str) -> list[Reply]:
    payload = Payload.decode(data)
    if payload is None or payload.action.startswith("__"):
        return await _stale(ctx, routers)
    if payload.action == "leave":
        return await _leave(ctx, routers, payload)
    if payload.action == "i" and payload.args:  # a menu button that asks what words would
        return await _intent(ctx, routers, None, payload.args[0])
    handler = _button_handler(routers, payload.action)
    if handler is None:
        return await _stale(ctx, routers)
    return await handler(ctx, payload)


async def _stale(ctx: Context, routers: list[Router]) -> list[Reply]:
    """A button from an old message or a forged payload: a polite word, nothing changes."""
    replies = [Reply(ctx.t("engine.stale_button"))]
    return replies + (await _reprompt(ctx, routers) or await _call(ctx, routers, "menu"))


async def _leave(ctx: Context, routers: list[Router], payload: Payload) -> list[Reply]:
    token, answer = (payload.args + ("", ""))[:2]
    if not ctx.conv.state or token != ctx.conv.token:
        return await _stale(ctx, routers)
    ctx.conv.leaving = False
    if answer == "y":
        ctx.conv.clear()
        return [Reply(ctx.t("engine.left"))] + await _call(ctx, routers, "menu")
    return await _reprompt(ctx, routers)
