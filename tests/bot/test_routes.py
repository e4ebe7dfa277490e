"""One route per intent and action, checked at start; readable action codes; old buttons."""

from __future__ import annotations

import pytest

from core.actions import LEGACY, Action
from core.intents import Intent
from core.messages import Payload, Reply
from handlers import registry
from handlers.base import Context, DuplicateRoute, Router, Routes
from nlu.understand import Understanding
from tests.bot.conftest import Chat
from tests.bot.test_apply import state


async def _answer(ctx: Context, _: Understanding) -> list[Reply]:
    return [Reply("x")]


async def _press(ctx: Context, _: Payload) -> list[Reply]:
    return [Reply("x")]


def test_the_registry_builds_one_table() -> None:
    routes = Routes.of(registry.routers())
    assert Intent.APPLY in routes.intents
    assert Action.APPLY_COURSE in routes.buttons


def test_two_journeys_answering_one_intent_is_an_error_at_start() -> None:
    first, second = Router("first"), Router("second")
    first.intent(Intent.APPLY)(_answer)
    second.intent(Intent.APPLY)(_answer)
    with pytest.raises(DuplicateRoute, match="apply"):
        Routes.of([first, second])


def test_one_action_registered_twice_is_an_error() -> None:
    router = Router("one")
    router.button(Action.CONSENT)(_press)
    with pytest.raises(DuplicateRoute, match="consent"):
        router.button(Action.CONSENT)(_press)


def test_every_payload_fits_and_legacy_codes_map_to_actions() -> None:
    for action in Action:
        assert Payload(action, ("x" * 20,)).encode()
    assert Payload.decode("apk|abc123|y") == Payload(Action.CONSENT, ("abc123", "y"))
    assert set(LEGACY.values()) <= set(Action)


async def test_a_consent_button_from_the_previous_version_still_works(chat: Chat) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    await chat.press_first(Action.APPLY_COURSE)
    consent = next(b.data for r in chat.last for b in r.buttons if b.data.startswith("consent"))
    old = consent.replace("consent|", "apk|", 1)
    await chat.press(old)
    assert await state(chat) == "apply:ask_name"


async def test_an_old_menu_button_asks_its_intent_and_a_forged_one_is_refused(chat: Chat) -> None:
    replies = await chat.press("i|application_status")
    assert "başvuru" in chat.texts().lower()
    assert replies
    await chat.press("ask|not_an_intent")
    assert "eski" in chat.texts().lower() or "güncel" in chat.texts().lower()
