"""The Telegram adapter's parts on their own: rendering, conversion, delivery, metrics, web."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.channels.telegram_convert import chat_id_of, to_incoming
from bot.channels.telegram_delivery import ChatPacer, Courier
from bot.channels.telegram_render import (
    MAX_MESSAGE,
    Labels,
    inline_keyboard,
    render,
    split_text,
    utf16_len,
)
from bot.metrics import Metrics
from bot.retry import RetryPolicy
from bot.web import build_web_app
from core.delivery import Blocked, Rejected, RetryLater, TransientError
from core.messages import Button, Kind, Location, Reply
from tests.doubles import telegram_api as api
from tests.doubles.telegram_api import TelegramDouble

# PTB 22 warns, while building RetryAfter, that retry_after becomes a timedelta; handled.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

LABELS = Labels("📍 Konum", "📱 Numara", "Vazgeç", "Aşağıdaki düğmeyi kullanın.")


# Rendering -----------------------------------------------------------------------------------


def test_long_text_is_split_on_line_boundaries_below_the_limit() -> None:
    lines = [f"{n}. satır: İzmir Meslek Fabrikası 🧑‍🍳" for n in range(400)]
    chunks = split_text("\n".join(lines))
    assert len(chunks) > 1
    assert all(utf16_len(c) <= MAX_MESSAGE for c in chunks)
    assert "\n".join(chunks).split("\n") == lines  # nothing lost, no line cut


def test_a_single_overlong_line_is_cut_at_spaces() -> None:
    chunks = split_text("kelime " * 1500)
    assert len(chunks) == 3
    assert all(utf16_len(c) <= MAX_MESSAGE for c in chunks)
    assert all(not c.startswith(" ") for c in chunks)


def test_short_labels_share_a_row_long_ones_get_their_own() -> None:
    markup = inline_keyboard(
        [
            Button("Evet", "apk|y"),
            Button("Hayır", "apk|n"),
            Button("Aşçılık (Karşıyaka, akşam)", "c|1"),
            Button("Daha fazla", "m|2"),
        ]
    )
    assert markup is not None
    rows = [[b.text for b in row] for row in markup.inline_keyboard]
    assert rows == [["Evet", "Hayır"], ["Aşçılık (Karşıyaka, akşam)"], ["Daha fazla"]]


def test_buttons_telegram_would_refuse_are_dropped() -> None:
    assert inline_keyboard([Button("x", "a" * 65), Button("", "a")]) is None


def test_ask_contact_opens_a_one_time_keyboard_with_a_way_out() -> None:
    turn = render([Reply("Numaranız?", ask="contact")], LABELS)
    assert turn.asked
    (op,) = turn.ops
    assert isinstance(op.markup, ReplyKeyboardMarkup)
    assert op.markup.one_time_keyboard
    share, cancel = (row[0] for row in op.markup.keyboard)
    assert share.request_contact
    assert share.text == "📱 Numara"
    assert cancel.text == "Vazgeç"


def test_ask_with_buttons_sends_the_keyboard_on_a_short_follow_up() -> None:
    reply = Reply("Hangi ilçe?", buttons=(Button("İzmir dışı", "apd|x"),), ask="location")
    first, second = render([reply], LABELS).ops
    assert isinstance(first.markup, InlineKeyboardMarkup)
    assert isinstance(second.markup, ReplyKeyboardMarkup)
    assert second.markup.keyboard[0][0].request_location


def test_keyboard_is_removed_on_the_first_message_that_can_carry_it() -> None:
    replies = [Reply("Teşekkürler", buttons=(Button("Tamam", "ok"),)), Reply("Sonraki soru")]
    turn = render(replies, LABELS, remove_keyboard=True)
    assert turn.removed
    assert isinstance(turn.ops[0].markup, InlineKeyboardMarkup)
    assert isinstance(turn.ops[1].markup, ReplyKeyboardRemove)


def test_keyboard_removal_and_buttons_on_one_message_use_a_markup_edit() -> None:
    turn = render([Reply("Seçin", buttons=(Button("A", "a"),))], LABELS, remove_keyboard=True)
    send, set_buttons = turn.ops
    assert isinstance(send.markup, ReplyKeyboardRemove)
    assert set_buttons.action == "set_buttons"
    assert isinstance(set_buttons.markup, InlineKeyboardMarkup)


def test_replace_previous_edits_only_when_the_turn_came_from_a_button() -> None:
    reply = Reply("Sayfa 2", buttons=(Button("Sonraki", "p|3"),), replace_previous=True)
    assert [op.action for op in render([reply], LABELS, can_edit=True).ops] == ["edit"]
    assert [op.action for op in render([reply], LABELS).ops] == ["send"]


def test_a_place_follows_its_text() -> None:
    place = Location(38.46, 27.21, "Karşıyaka Merkezi", "Bahariye Cd. 1")
    ops = render([Reply("En yakın merkez:", location=place)], LABELS).ops
    assert [op.action for op in ops] == ["send", "place"]
    assert ops[1].place == place


# Converting updates --------------------------------------------------------------------------


def _update(body: dict[str, Any], update_id: int = 7) -> Update:
    body = {**body, "update_id": update_id}
    message = body.get("message")
    if isinstance(message, dict) and not message.get("message_id"):
        message["message_id"] = 1
    return Update.de_json(body, Bot(api.DEFAULT_TOKEN))


def test_text_and_start_payload_become_text_messages() -> None:
    msg = to_incoming(_update(api.text_update(42, "/start basvuru_barista")))
    assert msg is not None
    assert (msg.user, msg.kind, msg.text) == ("telegram:42", Kind.TEXT, "/start basvuru_barista")
    assert (msg.message_id, msg.locale_hint) == ("tg:7", "tr")


def test_own_contact_counts_a_forwarded_one_does_not() -> None:
    own = to_incoming(_update(api.contact_update(42, "905321234567", 42)))
    other = to_incoming(_update(api.contact_update(42, "+905551112233", 99)))
    card = to_incoming(_update(api.contact_update(42, "905551112233", None)))
    assert own is not None
    assert other is not None
    assert card is not None
    assert (own.kind, own.phone, own.phone_is_own) == (Kind.CONTACT, "+905321234567", True)
    assert (other.phone_is_own, card.phone_is_own) == (False, False)


def test_location_media_and_buttons() -> None:
    loc = to_incoming(_update(api.location_update(42, 38.4, 27.1)))
    voice = to_incoming(_update(api.voice_update(42)))
    photo = to_incoming(_update(api.photo_update(42)))
    press = to_incoming(_update(api.callback_update(42, "apk|y", None)))
    assert loc is not None
    assert (loc.kind, loc.lat, loc.lon) == (Kind.LOCATION, 38.4, 27.1)
    assert voice is not None
    assert voice.kind is Kind.MEDIA
    assert photo is not None
    assert photo.kind is Kind.MEDIA
    # a press on an inline-mode message has no chat: nothing for the engine
    assert press is None


def test_group_messages_are_ignored() -> None:
    assert to_incoming(_update(api.text_update(42, "merhaba", chat_type="group"))) is None


def test_chat_id_of_accepts_only_telegram_keys() -> None:
    assert chat_id_of("telegram:42") == 42
    with pytest.raises(ValueError, match="not a Telegram"):
        chat_id_of("whatsapp:905321234567")


# Delivery against the double -----------------------------------------------------------------


@pytest.fixture
async def tg() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble() as double:
        yield double


@pytest.fixture
async def bot(tg: TelegramDouble) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.api_url) as b:
        yield b


class _Blocks:
    def __init__(self) -> None:
        self.chats: list[int] = []

    async def __call__(self, chat_id: int) -> None:
        self.chats.append(chat_id)


def _courier(metrics: Metrics, blocks: _Blocks) -> Courier:
    return Courier(
        ChatPacer(burst=3, interval=0.05), metrics, blocks, retry=RetryPolicy(backoff=0.01)
    )


async def test_429_is_waited_out_and_the_message_goes_once(tg: TelegramDouble, bot: Bot) -> None:
    metrics, blocks = Metrics(), _Blocks()
    tg.failures.fail_next, tg.failures.retry_after = 1, 1
    courier = _courier(metrics, blocks)
    await courier.call(42, lambda: bot.send_message(42, "merhaba"), patient=True)
    tries = tg.calls_to("sendMessage", 42, ok_only=False)
    assert [c.status for c in tries] == [429, 200]
    assert tries[1].at - tries[0].at >= 0.95
    assert metrics.errors.value(channel="telegram", kind="rate_limited") == 1


async def test_an_impatient_call_raises_retry_later(tg: TelegramDouble, bot: Bot) -> None:
    tg.failures.fail_next, tg.failures.retry_after = 1, 7
    courier = _courier(Metrics(), _Blocks())
    with pytest.raises(RetryLater) as caught:
        await courier.call(42, lambda: bot.send_message(42, "x"), patient=False)
    assert caught.value.seconds == 7


async def test_a_block_is_reported_and_raised(tg: TelegramDouble, bot: Bot) -> None:
    blocks = _Blocks()
    tg.failures.blocked.add(42)
    with pytest.raises(Blocked):
        await _courier(Metrics(), blocks).call(42, lambda: bot.send_message(42, "x"), patient=True)
    assert blocks.chats == [42]


async def test_a_bad_request_is_rejected_without_retrying(tg: TelegramDouble, bot: Bot) -> None:
    edit = lambda: bot.edit_message_text("x", chat_id=42, message_id=999)  # noqa: E731
    with pytest.raises(Rejected, match="not found"):
        await _courier(Metrics(), _Blocks()).call(42, edit, patient=True)
    assert len(tg.calls_to("editMessageText", ok_only=False)) == 1


async def test_network_errors_are_retried_then_raised() -> None:
    metrics = Metrics()
    double = TelegramDouble()
    await double.start()
    async with Bot(api.DEFAULT_TOKEN, base_url=double.api_url) as offline:
        await double.stop()  # nothing listens there any more
        courier = _courier(metrics, _Blocks())
        with pytest.raises(TransientError):
            await courier.call(42, lambda: offline.send_message(42, "x"), patient=True)
    assert metrics.errors.value(channel="telegram", kind="network") == courier.retry.attempts


async def test_the_pacer_allows_a_burst_then_one_per_interval() -> None:
    now = [0.0]
    pacer = ChatPacer(burst=3, interval=1.0, clock=lambda: now[0])
    assert [pacer.reserve(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve(1) == pytest.approx(1.0)
    assert pacer.reserve(2) == 0.0  # other chats are not held back
    now[0] = 10.0
    assert pacer.reserve(1) == 0.0


# Metrics and the web app ---------------------------------------------------------------------


def test_metrics_render_as_prometheus_text() -> None:
    metrics = Metrics()
    metrics.messages_in.inc(channel="telegram")
    metrics.errors.inc(channel="telegram", kind='we"ird')
    metrics.handling.observe(0.02, channel="telegram")
    text = metrics.render()
    assert 'messages_in_total{channel="telegram"} 1' in text
    assert 'errors_total{channel="telegram",kind="we\\"ird"} 1' in text
    assert 'handling_seconds_bucket{channel="telegram",le="0.01"} 0' in text
    assert 'handling_seconds_bucket{channel="telegram",le="0.025"} 1' in text
    assert 'handling_seconds_bucket{channel="telegram",le="+Inf"} 1' in text
    assert 'handling_seconds_count{channel="telegram"} 1' in text
    assert "# TYPE handling_seconds histogram" in text


class _Db:
    def __init__(self, healthy: bool) -> None:
        self.healthy = healthy

    async def ping(self) -> bool:
        return self.healthy


@pytest.mark.parametrize(("healthy", "status"), [(True, 200), (False, 503)])
async def test_healthz_follows_the_database(healthy: bool, status: int) -> None:
    app = build_web_app(_Db(healthy), Metrics(), [])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        health = await client.get("/healthz")
        metrics = await client.get("/metrics")
    assert health.status_code == status
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")


# The double itself -----------------------------------------------------------------------


async def test_the_doubles_rate_limit_answers_429_per_chat(tg: TelegramDouble, bot: Bot) -> None:
    tg.failures.rate_per_chat = 2
    courier = Courier(ChatPacer(burst=10, interval=0.001), Metrics(), _Blocks())
    for text in ("first", "second"):
        await courier.call(42, partial(bot.send_message, 42, text), patient=False)
    await courier.call(43, lambda: bot.send_message(43, "another chat"), patient=False)
    with pytest.raises(RetryLater):
        await courier.call(42, lambda: bot.send_message(42, "third"), patient=False)


async def test_the_double_is_driven_over_http(tg: TelegramDouble) -> None:
    async with httpx.AsyncClient(base_url=tg.base_url) as client:
        pushed = await client.post("/_double/push", json=[api.text_update(42, "merhaba")])
        (update_id,) = pushed.json()["update_ids"]
        await client.post("/_double/config", json={"blocked": [7]})
        url = f"{tg.api_url}{tg.token}/getUpdates"
        got = await client.post(url, json={"offset": update_id, "timeout": 0})
        blocked = await client.post(f"{tg.api_url}{tg.token}/sendMessage", data={"chat_id": "7"})
        calls = (await client.get("/_double/calls")).json()
    assert got.json()["result"][0]["message"]["text"] == "merhaba"
    assert blocked.status_code == 403
    assert blocked.json()["description"] == api.BLOCKED
    assert [c["method"] for c in calls] == ["getUpdates", "sendMessage"]
    assert calls[1]["params"] == {"chat_id": 7}
