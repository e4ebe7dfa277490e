"""The Telegram channel end to end: real PTB, the real engine on SQLite, a local Bot API double."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import Assistant, build_assistant
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_delivery import ChatPacer
from bot.engine import Answer, Record
from bot.metrics import Metrics
from bot.web import build_web_app
from core.delivery import Blocked, RetryLater
from core.messages import Incoming, Reply
from storage.tables import users
from tests.bot.conftest import make_settings
from tests.doubles.telegram_api import Call, TelegramDouble, text_update
from tests.idnumbers import VALID_ID

# PTB 22 warns, while building RetryAfter, that retry_after becomes a timedelta; handled.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

USER = 424242
OTHER = 515151
WEBHOOK_SECRET = "webhook-secret-0123456789"


@dataclass
class Bot:
    """A running channel, the double it talks to, and one way to wait for a whole turn."""

    tg: TelegramDouble
    channel: TelegramChannel
    assistant: Assistant
    metrics: Metrics

    def turns(self) -> int:
        return self.metrics.handling.count(channel="telegram")

    def idle(self) -> bool:
        """No turn in flight: every message taken in has finished its turn."""
        return self.metrics.messages_in.value(channel="telegram") == self.turns()

    async def turn(self, push: Callable[[], int], within: float = 10.0) -> list[Call]:
        """Pushes one update and returns the calls the bot made until its turn was done."""
        await self.tg.wait_for(self.idle, within)
        done, seen = self.turns(), len(self.tg.calls)
        push()
        await self.tg.wait_for(lambda: self.turns() > done and self.idle(), within)
        return [c for c in self.tg.calls[seen:] if c.method != "getUpdates"]

    async def say(self, text: str, user: int = USER) -> list[Call]:
        return await self.turn(lambda: self.tg.send_text(user, text))

    async def press_label(self, fragment: str, user: int = USER) -> list[Call]:
        return await self.turn(lambda: self.tg.press_label(user, fragment))


def texts(calls: list[Call]) -> str:
    return "\n---\n".join(str(c.params.get("text", "")) for c in calls)


def markup(call: Call) -> dict[str, Any]:
    value = call.params.get("reply_markup") or {}
    assert isinstance(value, dict)
    return value


async def _running(
    tg: TelegramDouble, tmp_path: Path, **env: str
) -> AsyncIterator[tuple[TelegramChannel, Assistant, Metrics]]:
    settings = make_settings(tmp_path, telegram_token=tg.token, telegram_api_url=tg.api_url, **env)
    assistant = await build_assistant(settings)
    metrics = Metrics()
    pacer = ChatPacer(burst=5, interval=0.01)  # pacing itself is tested in test_telegram_parts
    channel = TelegramChannel(
        settings, assistant.engine, assistant.users, metrics, pacer=pacer, poll_timeout=1
    )
    try:
        await channel.start()
        try:
            yield channel, assistant, metrics
        finally:
            await channel.stop()
    finally:
        await assistant.close()


@pytest.fixture
async def tg() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble() as double:
        yield double


@pytest.fixture
async def bot(tg: TelegramDouble, tmp_path: Path) -> AsyncIterator[Bot]:
    async for channel, assistant, metrics in _running(tg, tmp_path):
        yield Bot(tg, channel, assistant, metrics)


# Polling: menu, courses, buttons -------------------------------------------------------------


async def test_start_sets_the_commands_and_shows_the_menu(bot: Bot) -> None:
    assert [c["command"] for c in bot.tg.commands] == [
        "start",
        "kurslar",
        "basvuru",
        "basvurularim",
        "derslerim",
        "hatirlatmalar",
        "yardim",
        "verilerim",
    ]
    assert all(c["description"] for c in bot.tg.commands)
    assert bot.tg.calls_to("deleteWebhook")  # polling mode removes any webhook
    calls = await bot.say("/start")
    sent = [c for c in calls if c.method == "sendMessage"]
    assert sent
    assert markup(sent[-1])["inline_keyboard"]
    assert bot.metrics.messages_in.value(channel="telegram") == 1


async def test_a_course_question_gets_buttons(bot: Bot) -> None:
    calls = await bot.say("barista kursu var mı")
    assert "barista" in texts(calls).lower()
    assert any(markup(c).get("inline_keyboard") for c in calls)


async def test_a_pressed_button_is_answered_once_and_replied_to(bot: Bot) -> None:
    await bot.say("merhaba")
    calls = await bot.press_label("Kursları gör")
    assert [c.method for c in calls].count("answerCallbackQuery") == 1
    assert any(c.method == "sendMessage" for c in calls)


async def test_a_forged_button_is_answered_and_nothing_breaks(bot: Bot) -> None:
    await bot.say("merhaba")
    message = bot.tg.last_message(USER)
    fake = {
        **message,
        "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "zz|9"}]]},
    }
    bot.tg.messages[USER][message["message_id"]] = fake
    calls = await bot.turn(lambda: bot.tg.press(USER, "zz|9"))
    assert [c.method for c in calls].count("answerCallbackQuery") == 1
    assert "eski bir mesajdan" in texts(calls)


async def test_a_failing_turn_still_answers_the_button_and_the_bot_goes_on(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say("merhaba")

    async def boom(_msg: object, _record: object = None) -> Answer:
        raise RuntimeError("engine down")

    with monkeypatch.context() as patch:
        patch.setattr(bot.assistant.engine, "answer", boom)
        update_id = bot.tg.press_label(USER, "Kursları gör")
        await bot.tg.wait_for(lambda: bot.tg.calls_to("answerCallbackQuery"))
        await bot.tg.wait_for(lambda: bot.metrics.errors.value(channel="telegram", kind="update"))
    assert len(bot.tg.calls_to("answerCallbackQuery")) == 1
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    assert failed
    assert f"update {update_id} " in failed[0].getMessage()
    assert str(USER) not in failed[0].getMessage()  # the user is masked
    calls = await bot.say("merhaba")  # the next update is handled normally
    assert any(c.method == "sendMessage" for c in calls)


async def test_paging_edits_the_message_the_button_was_on(bot: Bot) -> None:
    await bot.say("/kurslar")
    first = bot.tg.last_message(USER)
    calls = await bot.press_label("Daha fazla")
    edits = [c for c in calls if c.method == "editMessageText"]
    assert len(edits) == 1
    assert edits[0].params["message_id"] == first["message_id"]
    assert not [c for c in calls if c.method == "sendMessage"]
    assert markup(edits[0])["inline_keyboard"]


async def test_stop_lets_the_turn_in_flight_finish(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered = asyncio.Event()
    answer = bot.assistant.engine.answer

    async def slow(msg: Incoming, record: Record | None = None) -> Answer:
        entered.set()
        await asyncio.sleep(0.5)
        return await answer(msg, record)

    monkeypatch.setattr(bot.assistant.engine, "answer", slow)
    bot.tg.send_text(USER, "merhaba")
    await asyncio.wait_for(entered.wait(), 10)
    await bot.channel.stop()
    assert bot.tg.calls_to("sendMessage", USER)
    assert bot.turns() == 1


# Sharing a contact or a location, media ------------------------------------------------------


async def test_an_application_with_a_shared_contact(bot: Bot) -> None:
    calls = await bot.say("/start basvuru_barista")
    assert "barista" in texts(calls).lower()
    await bot.turn(lambda: bot.tg.press(USER, _first_data(bot, "apply_course")))
    await bot.turn(lambda: bot.tg.press(USER, _first_data(bot, "consent")))
    await bot.say("Ayşe Yılmaz")
    await bot.say("12.05.1998")
    calls = await bot.say(VALID_ID)
    keyboard = markup(calls[-1]).get("keyboard")
    assert keyboard, calls[-1].params
    assert keyboard[0][0]["request_contact"]
    assert markup(calls[-1])["one_time_keyboard"]

    # someone else's card, forwarded: refused, and the keyboard is offered again
    calls = await bot.turn(lambda: bot.tg.send_contact(USER, "905551112233", OTHER))
    assert "kendi" in texts(calls).lower()
    assert markup(calls[-1]).get("keyboard")

    calls = await bot.turn(lambda: bot.tg.send_contact(USER, "905321234567"))
    assert markup(calls[0]).get("remove_keyboard") is True  # the keyboard goes away
    await bot.say("Karşıyaka")
    await bot.say("lise")
    calls = await bot.say("geç")
    assert "+905321234567" in texts(calls)
    calls = await bot.press_label("Gönder")
    assert "MF-" in texts(calls)


async def test_a_shared_location_gets_the_nearest_centres(bot: Bot) -> None:
    calls = await bot.say("en yakın merkez nerede")
    keyboard = markup(calls[-1]).get("keyboard")
    assert keyboard
    assert keyboard[0][0]["request_location"]
    assert keyboard[1][0]["text"] == "Vazgeç"
    calls = await bot.turn(lambda: bot.tg.send_location(USER, 38.4622, 27.0923))
    venues = [c for c in calls if c.method == "sendVenue"]
    assert venues
    assert venues[0].params["title"]
    assert venues[0].params["address"]
    assert any(markup(c).get("remove_keyboard") for c in calls)


async def test_buttons_after_the_keyboard_is_removed_go_on_the_message_just_sent(
    bot: Bot,
) -> None:
    # The location keyboard is open; the next answer has buttons. One message carries one
    # markup: it is sent removing the keyboard, then its buttons are set on it by its id.
    await bot.say("en yakın merkez nerede")
    calls = await bot.say("barista kursu var mı")
    sent, set_buttons = calls[0], calls[1]
    assert sent.method == "sendMessage"
    assert markup(sent).get("remove_keyboard") is True
    assert set_buttons.method == "editMessageReplyMarkup"
    assert set_buttons.status == 200
    stored = bot.tg.messages[USER][int(set_buttons.params["message_id"])]
    assert stored["text"] == sent.params["text"]
    assert stored["reply_markup"]["inline_keyboard"]


async def test_a_voice_note_gets_a_kind_answer(bot: Bot) -> None:
    calls = await bot.turn(lambda: bot.tg.send_voice(USER))
    assert "Sesli mesaj" in texts(calls)
    calls = await bot.turn(lambda: bot.tg.send_photo(USER))
    assert "okuyamıyorum" in texts(calls)


async def test_group_messages_are_ignored(bot: Bot) -> None:
    bot.tg.push(text_update(USER, "merhaba", chat_type="group"))
    calls = await bot.say("merhaba")  # the private message after it is answered
    assert all(c.chat_id == USER for c in calls if c.chat_id is not None)
    assert bot.metrics.messages_in.value(channel="telegram") == 1


# Failures ------------------------------------------------------------------------------------


async def _unreachable(bot: Bot, user: int) -> bool | None:
    async with bot.assistant.db.read() as conn:
        query = select(users.c.unreachable).where(users.c.key == f"telegram:{user}")
        return (await conn.execute(query)).scalar_one_or_none()


async def test_a_user_who_blocked_the_bot_is_marked_unreachable(bot: Bot) -> None:
    await bot.say("merhaba")
    assert await _unreachable(bot, USER) is False
    bot.tg.failures.blocked.add(USER)
    seen = len(bot.tg.calls)
    bot.tg.send_text(USER, "kurslar")
    await bot.tg.wait_for(lambda: any(c.status == 403 for c in bot.tg.calls[seen:]))
    await bot.tg.wait_for(lambda: bot.metrics.errors.value(channel="telegram", kind="blocked"))
    await bot.tg.wait_for(lambda: bot.turns() == 2 and bot.idle())
    assert await _unreachable(bot, USER) is True
    calls = await bot.say("merhaba", user=OTHER)  # others are served as before
    assert any(c.method == "sendMessage" and c.status == 200 for c in calls)
    bot.tg.failures.blocked.clear()
    await bot.say("merhaba")  # writing again makes the user reachable
    assert await _unreachable(bot, USER) is False


async def test_a_429_is_waited_out_and_the_reply_delivered_once(bot: Bot) -> None:
    bot.tg.failures.fail_next, bot.tg.failures.retry_after = 1, 1
    calls = await bot.say("merhaba")
    tries = [c for c in calls if c.method == "sendMessage"]
    assert [c.status for c in tries][:2] == [429, 200]
    assert tries[1].at - tries[0].at >= 0.95
    assert tries[0].params["text"] == tries[1].params["text"]
    delivered = [
        c for c in tries if c.status == 200 and c.params["text"] == tries[0].params["text"]
    ]
    assert len(delivered) == 1


async def test_send_raises_typed_errors_for_the_outbox(bot: Bot) -> None:
    await bot.channel.send(f"telegram:{USER}", [Reply("Yarın dersiniz var.")])
    assert bot.tg.sent_texts(USER) == ["Yarın dersiniz var."]
    bot.tg.failures.blocked.add(OTHER)
    with pytest.raises(Blocked):
        await bot.channel.send(f"telegram:{OTHER}", [Reply("x")])
    bot.tg.failures.fail_next, bot.tg.failures.retry_after = 1, 30
    with pytest.raises(RetryLater) as later:  # and the bot's budget waits 30 s (last, then)
        await bot.channel.send(f"telegram:{USER}", [Reply("x")])
    assert later.value.seconds == 30


# Webhook mode --------------------------------------------------------------------------------


async def test_webhook_mode_takes_updates_only_with_the_secret(
    tg: TelegramDouble, tmp_path: Path
) -> None:
    env = {
        "telegram_webhook_url": "https://bot.example.org/webhooks/telegram",
        "telegram_webhook_secret": WEBHOOK_SECRET,
    }
    async for channel, assistant, metrics in _running(tg, tmp_path, **env):
        (hook,) = tg.calls_to("setWebhook")
        assert hook.params["url"] == env["telegram_webhook_url"]
        assert hook.params["secret_token"] == WEBHOOK_SECRET
        assert not tg.calls_to("getUpdates")
        assert not tg.calls_to("deleteWebhook")
        app = build_web_app(assistant.db, metrics, channel.routes())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            body = {**text_update(USER, "merhaba"), "update_id": 1}
            body["message"]["message_id"] = 1
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                refused = await client.post("/webhooks/telegram", json=body, headers=headers)
                assert refused.status_code == 403
            await tg.settle(0.3)
            assert not tg.calls_to("sendMessage")
            assert metrics.messages_in.value(channel="telegram") == 0

            ok = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            accepted = await client.post("/webhooks/telegram", json=body, headers=ok)
            assert accepted.status_code == 200
            await tg.wait_for(lambda: tg.calls_to("sendMessage", USER))
            health = await client.get("/healthz")
            assert health.json() == {"status": "ok"}
            text = (await client.get("/metrics")).text
            assert 'messages_in_total{channel="telegram"} 1' in text


def _first_data(bot: Bot, action: str) -> str:
    for button in bot.tg.buttons(USER):
        data = str(button["callback_data"])
        if data.split("|")[0] == action:
            return data
    raise AssertionError(f"no {action} button in {bot.tg.buttons(USER)}")


async def test_webhook_acknowledges_malformed_updates_that_carry_the_secret(
    tg: TelegramDouble, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """They are Telegram's (the secret is right), so anything but 200 brings them back."""
    env = {
        "telegram_webhook_url": "https://bot.example.org/webhooks/telegram",
        "telegram_webhook_secret": WEBHOOK_SECRET,
    }
    async for channel, assistant, metrics in _running(tg, tmp_path, **env):
        app = build_web_app(assistant.db, metrics, channel.routes())
        transport = httpx.ASGITransport(app=app)
        ok = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        good = json.dumps({**text_update(USER, "Ayşe Yılmaz"), "update_id": 5})
        bodies = {
            "lone_surrogate": good.replace("Ay\\u015fe", "Ay\\udfff").encode(),
            "too_deep": b"[" * 200_000 + b"]" * 200_000,
            "not_utf8": b'{"update_id": 6, "x": "\xff"}',
            "not_json": b"{not json",
            "shape": b"[1, 2]",
            "wrong field": json.dumps({"update_id": 7, "message": "merhaba"}).encode(),
        }
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            for body in bodies.values():
                answer = await client.post("/webhooks/telegram", content=body, headers=ok)
                assert answer.status_code == 200
            too_big = await client.post(
                "/webhooks/telegram", content=b"[" + b" " * 1_000_001 + b"]", headers=ok
            )
            assert too_big.status_code == 413
        await tg.settle(0.3)
        assert not tg.calls_to("sendMessage")
        assert metrics.messages_in.value(channel="telegram") == 0
        assert metrics.errors.value(channel="telegram", kind="malformed_update") == len(bodies)
    ignored = [r.getMessage() for r in caplog.records if "malformed update ignored" in r.message]
    assert len(ignored) == len(bodies)
    for reason in ("lone_surrogate", "too_deep", "not_utf8", "not_json", "shape"):
        assert any(f"({reason};" in line for line in ignored), reason
    assert "Yılmaz" not in caplog.text


@dataclass(frozen=True)
class FormWords:
    """What one language's application form says and offers, for a whole application."""

    locale: str
    agree: str
    asks_birth: str
    birth: str
    national_id: str
    share: str
    education: str
    skip: str
    summary: str
    name_shown: str
    send: str
    received: str


ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ARABIC = FormWords(
    "ar", "أوافق", "تاريخ ميلادك", "١٢.٠٥.١٩٩٨", VALID_ID.translate(ARABIC_DIGITS),
    "📱 شارك رقمي", "ثانوي", "تخطَّ", "راجع طلبك", "\u2068Ahmad Hasan\u2069", "أرسل", "وصلنا طلبك",
)  # fmt: skip
ENGLISH = FormWords(
    "en", "I agree", "date of birth", "12.05.1998", VALID_ID, "📱 Share my number",
    "High school", "Skip", "Please check your application", "Ahmad Hasan", "Send",
    "Your application has been received",
)  # fmt: skip


async def _whole_application(bot: Bot, words: FormWords) -> None:
    """From the course card's "apply" button to the application number, in one language."""
    await bot.turn(lambda: bot.tg.press(USER, _first_data(bot, "apply_course")))
    await bot.press_label(words.agree)
    calls = await bot.say("Ahmad Hasan")
    assert words.asks_birth in texts(calls)
    await bot.say(words.birth)
    calls = await bot.say(words.national_id)
    keyboard = markup(calls[-1]).get("keyboard")
    assert keyboard, calls[-1].params
    assert keyboard[0][0]["text"] == words.share  # the keyboard speaks the language too
    await bot.turn(lambda: bot.tg.send_contact(USER, "905321234567"))
    await bot.say("Buca")
    await bot.press_label(words.education)
    calls = await bot.press_label(words.skip)
    summary = texts(calls)
    assert words.summary in summary
    assert words.name_shown in summary
    assert VALID_ID not in summary
    calls = await bot.press_label(words.send)
    assert words.received in texts(calls)
    assert "MF-" in texts(calls)
    async with bot.assistant.db.read() as conn:
        locale = (await conn.execute(select(users.c.locale))).scalar_one()
    assert locale == words.locale


async def test_a_whole_application_in_arabic(bot: Bot) -> None:
    calls = await bot.turn(lambda: bot.tg.push(text_update(USER, "/start", language_code="ar")))
    assert "Ne yapmak istersiniz?" in texts(calls)  # the app's language only offers
    assert "هل تريد المتابعة بالعربية؟" in texts(calls)
    await bot.press_label("العربية")
    await bot.say("أريد التسجيل في دورة باريستا")
    await _whole_application(bot, ARABIC)


async def test_a_whole_application_in_english(bot: Bot) -> None:
    # A first message surely in English switches a user who has not chosen a language.
    calls = await bot.say("I want to apply for the barista course")
    assert "barista" in texts(calls).casefold()
    await _whole_application(bot, ENGLISH)
