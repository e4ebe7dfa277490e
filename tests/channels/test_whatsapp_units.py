"""WhatsApp pieces on their own: rendering limits, webhook parsing, the repository, the sender."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, select

from bot.channels.whatsapp_api import GraphClient, SendFailed, Throttled, Unreachable
from bot.channels.whatsapp_inbound import (
    as_int,
    opt_keyword,
    parse_delivery,
    sign,
    signature_ok,
    to_incoming,
)
from bot.channels.whatsapp_render import Renderer, more_request, shorten, split_text
from bot.retry import RetryPolicy
from bot.webhook_body import Malformed, fingerprint, load_json
from core.messages import Button, Kind, Location, Reply
from locales import load_translator
from storage import tables as t
from storage import whatsapp_repo as repo
from storage.db import Database
from storage.users import UserRows
from storage.wa_pages import Pages
from tests.doubles.graph_api import GraphDouble, check_message

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_T = load_translator("tr")


def say(key: str, /, **values: object) -> str:
    return _T(key, "tr", **values)


def wrap(message: dict[str, Any]) -> dict[str, Any]:
    """A valid send body around a rendered message, as the sender would post it."""
    return {"messaging_product": "whatsapp", "to": "905321234567", **message}


def buttons(n: int, label: str = "Seçenek") -> tuple[Button, ...]:
    return tuple(Button(f"{label} {i}", f"opt|{i}") for i in range(1, n + 1))


# Rendering -----------------------------------------------------------------------------------


def test_shorten_cuts_on_a_word_and_marks_the_cut() -> None:
    assert shorten("Bu numarayı kullan", 20) == "Bu numarayı kullan"
    cut = shorten("Bilgisayar İşletmenliği Kursu", 20)
    assert len(cut) <= 20
    assert cut.endswith("…")
    assert cut == "Bilgisayar…"


def test_long_text_is_split_below_the_limit() -> None:
    text = "\n\n".join("Paragraf " + "kelime " * 300 for _ in range(5))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_up_to_three_buttons_become_reply_buttons_within_limits() -> None:
    reply = Reply(
        "Ne yapmak istersiniz?", buttons=(*buttons(2), Button("Çok uzun bir düğme yazısı", "x"))
    )
    [msg] = Renderer(say).render([reply], {})
    assert msg["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in msg["interactive"]["action"]["buttons"]] == [
        "opt|1",
        "opt|2",
        "x",
    ]
    assert check_message(wrap(msg)) == ""


@pytest.mark.parametrize("n", [4, 7, 10])
def test_four_to_ten_options_become_a_list(n: int) -> None:
    long = Button("Endüstriyel Otomasyon ve Mekatronik Teknisyenliği", "long")
    reply = Reply("Hangi kurs?", buttons=(*buttons(n - 1), long))
    [msg] = Renderer(say).render([reply], {})
    assert msg["interactive"]["type"] == "list"
    action = msg["interactive"]["action"]
    assert action["button"] == "Seçenekler"
    rows = action["sections"][0]["rows"]
    assert len(rows) == n
    assert rows[-1]["description"].startswith("Endüstriyel Otomasyon")
    assert check_message(wrap(msg)) == ""


def test_more_than_ten_options_are_paged_with_a_more_row() -> None:
    renderer = Renderer(say)
    pages: Pages = {}
    [msg] = renderer.render([Reply("Seçin", buttons=buttons(23))], pages)
    rows = msg["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 10
    assert rows[-1]["title"] == "Daha fazla"
    token, offset = more_request(rows[-1]["id"]) or ("", 0)
    assert offset == 9
    assert pages == {token: buttons(23)}  # the channel keeps them (storage.wa_pages)
    [page2] = renderer.page(pages[token], token, offset)
    rows2 = page2["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows2[:9]] == [f"opt|{i}" for i in range(10, 19)]
    assert check_message(wrap(page2)) == ""
    token2, offset2 = more_request(rows2[-1]["id"]) or ("", 0)
    assert token2 == token
    [page3] = renderer.page(pages[token], token, offset2)
    assert [r["id"] for r in page3["interactive"]["action"]["sections"][0]["rows"]] == [
        f"opt|{i}" for i in range(19, 24)
    ]
    for gone, at in ((None, 9), (pages[token], 0), (pages[token], 23)):
        [stale] = renderer.page(gone, token, at)
        assert stale["type"] == "text"
        assert "geçerli değil" in stale["text"]["body"]
    assert renderer.render([Reply("Seçin", buttons=buttons(10))], pages)  # one page: not kept
    assert list(pages) == [token]


def test_long_body_goes_first_as_text_then_a_short_interactive() -> None:
    reply = Reply("Uzun açıklama. " * 100, buttons=buttons(2))
    msgs = Renderer(say).render([reply], {})
    assert [m["type"] for m in msgs] == ["text", "interactive"]
    assert msgs[1]["interactive"]["body"]["text"] == "Seçiniz:"
    assert all(check_message(wrap(m)) == "" for m in msgs)


def test_location_and_location_request() -> None:
    place = Location(38.42, 27.14, "Konak Merkezi", "Konak, İzmir")
    msgs = Renderer(say).render(
        [
            Reply("Size en yakın merkez:", location=place),
            Reply("Konumunuzu paylaşın", ask="location"),
        ],
        {},
    )
    assert [m["type"] for m in msgs] == ["text", "location", "interactive"]
    assert msgs[1]["location"] == {
        "latitude": 38.42,
        "longitude": 27.14,
        "name": "Konak Merkezi",
        "address": "Konak, İzmir",
    }
    assert msgs[2]["interactive"]["type"] == "location_request_message"
    assert all(check_message(wrap(m)) == "" for m in msgs)


def test_contact_request_is_ignored_on_whatsapp() -> None:
    [msg] = Renderer(say).render([Reply("Numaranız?", ask="contact")], {})
    assert msg["type"] == "text"


# Webhook parsing ------------------------------------------------------------------------------


def delivery(*messages: dict[str, Any], wa_id: str = "905321234567") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "902320000000",
                                "phone_number_id": "PN",
                            },
                            "contacts": [{"profile": {"name": "Ayşe"}, "wa_id": wa_id}],
                            "messages": list(messages),
                        },
                    }
                ],
            }
        ],
    }


def msg(kind: str, wamid: str = "wamid.1", **content: Any) -> dict[str, Any]:
    return {"from": "905321234567", "id": wamid, "timestamp": "1764579600", "type": kind, **content}


def incoming_of(message: dict[str, Any]) -> Any:
    [row] = parse_delivery(delivery(message), "PN", NOW).messages
    return to_incoming(row)


def test_signature_is_checked_on_the_raw_body() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    assert signature_ok(b"secret", body, sign(b"secret", body))
    assert not signature_ok(b"secret", body + b" ", sign(b"secret", body))
    assert not signature_ok(b"secret", body, sign(b"other", body))
    assert not signature_ok(b"secret", body, None)


def test_message_kinds_become_incoming() -> None:
    text = incoming_of(msg("text", text={"body": "merhaba"}))
    assert (text.kind, text.text, text.user, text.message_id) == (
        Kind.TEXT,
        "merhaba",
        "whatsapp:905321234567",
        "wamid.1",
    )
    button = incoming_of(
        msg(
            "interactive",
            interactive={"type": "button_reply", "button_reply": {"id": "apk|y", "title": "Evet"}},
        )
    )
    assert (button.kind, button.data) == (Kind.BUTTON, "apk|y")
    row = incoming_of(
        msg(
            "interactive",
            interactive={"type": "list_reply", "list_reply": {"id": "crs|7", "title": "X"}},
        )
    )
    assert (row.kind, row.data) == (Kind.BUTTON, "crs|7")
    loc = incoming_of(msg("location", location={"latitude": 38.4, "longitude": 27.1}))
    assert (loc.kind, loc.lat, loc.lon) == (Kind.LOCATION, 38.4, 27.1)
    for media in ("image", "audio", "voice", "document", "video", "sticker"):
        content: dict[str, Any] = {media: {"id": "m"}}
        assert incoming_of(msg(media, **content)).kind is Kind.MEDIA
    assert incoming_of(msg("reaction", reaction={"message_id": "x", "emoji": "👍"})) is None


def test_a_shared_contact_is_own_only_when_its_wa_id_is_the_senders() -> None:
    card = {
        "name": {"formatted_name": "Ali"},
        "phones": [{"phone": "+90 532 999 88 77", "wa_id": "905329998877"}],
    }
    other = incoming_of(msg("contacts", contacts=[card]))
    assert other.kind is Kind.CONTACT
    assert not other.phone_is_own
    assert other.phone == "+90 532 999 88 77"
    mine = {
        "name": {"formatted_name": "Ben"},
        "phones": [{"phone": "0532 123 45 67", "wa_id": "905321234567"}],
    }
    own = incoming_of(msg("contacts", contacts=[mine]))
    assert own.phone_is_own
    assert own.phone == "+905321234567"


def test_deliveries_for_another_number_or_object_are_ignored() -> None:
    assert parse_delivery(delivery(msg("text", text={"body": "x"})), "OTHER", NOW).messages == []
    assert parse_delivery({"object": "page", "entry": []}, "PN", NOW).messages == []
    with pytest.raises(Malformed):  # not an object at all: refused (and recorded) instead
        parse_delivery([1, 2], "PN", NOW)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"a": "\xff\xfe"}', "not_utf8"),
        (b'{"a": "\xed\xbf\xbf"}', "not_utf8"),  # a surrogate encoded as UTF-8
        (b"{not json", "not_json"),
        (b"\xef\xbb\xbf{}", "not_json"),  # a byte order mark
        (b'{"a": ' + b"9" * 5000 + b"}", "not_json"),  # past Python's int-string limit
        (b"[" * 200_000 + b"]" * 200_000, "too_deep"),  # RecursionError inside json
        (b"[" * 33 + b"]" * 33, "too_deep"),  # json copes; deeper than any delivery
        (b'{"a": "\\udfff x"}', "lone_surrogate"),
        (b'{"\\ud800": 1}', "lone_surrogate"),  # in a key
        (b'[{"b": ["\\udc00"]}]', "lone_surrogate"),
    ],
)
def test_unreadable_bodies_are_malformed_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(Malformed) as refused:
        load_json(body)
    assert refused.value.reason == reason


def test_readable_bodies_load_as_json() -> None:
    assert load_json(b"[" * 32 + b"]" * 32) == _nested(32)
    assert load_json('{"a": "\\ud83d\\ude00 Ş"}'.encode()) == {"a": "\U0001f600 Ş"}  # a pair
    assert fingerprint(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        3,
    )


def _nested(depth: int) -> list[Any]:
    doc: list[Any] = []
    for _ in range(depth - 1):
        doc = [doc]
    return doc


def _with_value(**value: Any) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }


@pytest.mark.parametrize(
    "doc",
    [
        {"object": "whatsapp_business_account", "entry": {"changes": []}},
        {"object": "whatsapp_business_account", "entry": [{"changes": [1]}]},
        _with_value(metadata=["106540352242922"]),
        _with_value(messages={"id": "wamid.1"}),
        _with_value(messages=[msg("text", text={"body": "x"}), "wamid.2"]),
        _with_value(contacts=[{"wa_id": "9053"}, None], messages=[msg("text")]),
        _with_value(messages=[{**msg("text"), "from": {"id": "905321234567"}}]),
        _with_value(messages=[{**msg("text"), "from": True}]),
        _with_value(messages=[msg("text", wamid="w" * 201)]),
        _with_value(messages=[{**msg("text"), "from": "9" * 152}]),
        _with_value(messages=[{**msg("text"), "from": "90532\x0012"}]),
        _with_value(statuses=[{"id": "wamid.S", "status": ["read"]}]),
        _with_value(statuses=[{"id": "wamid.S", "status": "failed", "errors": {"code": 1}}]),
    ],
)
def test_deliveries_of_the_wrong_shape_are_malformed(doc: dict[str, Any]) -> None:
    with pytest.raises(Malformed) as refused:
        parse_delivery(doc, "106540352242922", NOW)
    assert refused.value.reason == "shape"


def test_odd_but_harmless_values_are_read_safely() -> None:
    status = {
        "id": "wamid.S",
        "status": "failed",
        "recipient_id": 905321234567,  # a number where Meta sends a string
        "errors": [{"code": 10**25, "title": "kötü\x00başlık"}],
    }
    delivered = parse_delivery(_with_value(statuses=[status]), "PN", NOW)
    [update] = delivered.statuses
    assert (update.user_key, update.error_code, update.error_title) == (
        "whatsapp:905321234567",
        None,  # no 32-bit column holds it
        "kötü başlık",
    )
    assert [as_int(v) for v in ("131026", "99999999999", -(2**31), 2**31, True)] == [
        131026,
        None,
        -(2**31),
        None,
        None,
    ]
    # fields of the wrong type inside a stored message are answered, never a crash
    for content in (
        {"type": "text", "text": "düz metin"},
        {"type": "interactive", "interactive": ["x"]},
        {"type": "button", "button": "x"},
        {"type": "location", "location": {"latitude": 10**400, "longitude": 1}},
        {"type": "location", "location": {"latitude": "nan", "longitude": 1}},
        {"type": "location", "location": "İzmir"},
        {"type": "text", "timestamp": "9" * 5000, "text": {"body": "x"}},
    ):
        row = repo.InboundRow("wamid.1", "whatsapp:1", json.dumps({"message": content}), NOW)
        assert to_incoming(row) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DUR", True),
        (" stop ", True),
        ("Dur.", True),
        ("BAŞLA", False),
        ("basla", False),
        ("Start", False),
        ("durak", None),
        ("dur lütfen", None),
    ],
)
def test_opt_keywords_match_the_whole_message(text: str, expected: bool | None) -> None:
    assert opt_keyword(text) is expected


# Repository ---------------------------------------------------------------------------------


def _diff(conn: Connection) -> list[Any]:
    ours = MetaData()
    for table in (t.wa_inbound, t.wa_sent, t.wa_pages):
        table.to_metadata(ours)
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return [
        d for d in compare_metadata(context, ours) if "wa_" in repr(d) and d[0] != "remove_table"
    ]


async def test_tables_match_the_migration(any_db: Database) -> None:
    assert {"wa_inbound", "wa_sent"} <= set(t.metadata.tables)
    async with any_db.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_inbound_is_stored_once_and_statuses_only_move_forward(any_db: Database) -> None:
    row = repo.InboundRow("wamid.A", "whatsapp:1", "{}", NOW)
    other = repo.InboundRow("wamid.B", "whatsapp:1", "{}", NOW)
    async with any_db.write() as conn:
        assert await repo.store_inbound(conn, [row, other, row]) == {"wamid.A", "wamid.B"}
        assert await repo.store_inbound(conn, [row]) == set()
        await repo.record_sent(conn, [("wamid.S", "whatsapp:1", "reply")], NOW)
        read = repo.StatusUpdate("wamid.S", "whatsapp:1", "read")
        delivered = repo.StatusUpdate("wamid.S", "whatsapp:1", "delivered")
        await repo.apply_statuses(conn, [read, delivered], NOW)
        await repo.apply_statuses(conn, [delivered], NOW)  # late, out of order
        stranger = repo.StatusUpdate("wamid.X", "whatsapp:2", "failed", 131026, "undeliverable")
        await repo.apply_statuses(conn, [stranger], NOW)
        await repo.mark_processed(conn, ["wamid.A"], NOW)
    async with any_db.read() as conn:
        sent = (await conn.execute(select(t.wa_sent))).one()
        assert (sent.wamid, sent.kind, sent.status) == ("wamid.S", "reply", "read")
        assert [r.wamid for r in await repo.unprocessed(conn)] == ["wamid.B"]
    async with any_db.write() as conn:
        assert await repo.prune(conn, NOW + timedelta(days=1), NOW - timedelta(days=1)) == 1


async def test_a_rejected_delivery_is_a_handled_row_without_content(any_db: Database) -> None:
    digest, size = fingerprint(b"{not json")
    rejected = repo.Rejected(digest, size, "not_json", NOW)
    async with any_db.write() as conn:
        assert await repo.store_rejected(conn, rejected) is True
        assert await repo.store_rejected(conn, rejected) is False  # the same bytes again
    async with any_db.read() as conn:
        row = (await conn.execute(select(t.wa_inbound))).one()
        assert await repo.unprocessed(conn) == []
    assert (row.wamid, row.user_key, row.processed_at) == (f"rejected:{digest}", "-", NOW)
    assert json.loads(row.payload) == {"rejected": "not_json", "sha256": digest, "size": 9}
    async with any_db.write() as conn:  # pruned with the handled rows
        assert await repo.prune(conn, NOW + timedelta(days=1), NOW) == 1


async def test_odd_values_that_pass_are_stored(any_db: Database) -> None:
    """What parse_delivery lets through fits the columns (PostgreSQL checks lengths, NUL)."""
    message = {
        "from": "9" * 151,
        "id": "w" * 200,
        "type": "text",
        "text": {"body": "nul \x00 and \U0001f600"},
    }
    status = {
        "id": "wamid.S",
        "status": "failed",
        "recipient_id": "9" * 151,
        "errors": [{"code": 2**31 - 1, "title": "t\x00" * 400}],
    }
    parsed = parse_delivery(_with_value(messages=[message], statuses=[status]), "PN", NOW)
    async with any_db.write() as conn:
        assert await repo.store_inbound(conn, parsed.messages) == {"w" * 200}
        await repo.record_sent(conn, [("wamid.S", "whatsapp:" + "9" * 151, "reply")], NOW)
        await repo.apply_statuses(conn, parsed.statuses, NOW)
    async with any_db.read() as conn:
        [row] = await repo.unprocessed(conn)
        sent = (await conn.execute(select(t.wa_sent))).one()
    incoming = to_incoming(row)
    assert incoming is not None
    assert incoming.text == "nul \x00 and \U0001f600"
    assert (sent.status, sent.error_code, len(sent.error_title)) == ("failed", 2**31 - 1, 300)


async def test_push_switches_reachability_and_erasure(any_db: Database) -> None:
    later = NOW + timedelta(hours=1)
    async with any_db.write() as conn:
        await repo.set_pushes_off(conn, "whatsapp:9", True, NOW)
    async with any_db.read() as conn:
        target = await repo.push_target(conn, "whatsapp:9")
    assert target == repo.PushTarget(NOW, pushes_off=True, unreachable=False)
    async with any_db.write() as conn:
        await repo.set_pushes_off(conn, "whatsapp:9", False, NOW)
        await UserRows(any_db).mark_unreachable_in(conn, ["whatsapp:9", "whatsapp:nobody"])
    async with any_db.read() as conn:
        assert await repo.push_target(conn, "whatsapp:9") == repo.PushTarget(NOW, False, True)
    async with any_db.write() as conn:
        await repo.touch_inbound(conn, {"whatsapp:9": later, "whatsapp:nobody": later})
        await repo.store_inbound(conn, [repo.InboundRow("wamid.G", "whatsapp:gone", "{}", NOW)])
        await repo.record_sent(conn, [("wamid.H", "whatsapp:gone", "reply")], NOW)
        await repo.forget_erased(conn, ["whatsapp:9", "whatsapp:gone"])
    async with any_db.read() as conn:
        assert await repo.push_target(conn, "whatsapp:9") == repo.PushTarget(later, False, False)
        assert await repo.push_target(conn, "whatsapp:nobody") is None
        assert (await conn.execute(select(t.wa_inbound))).all() == []
        assert (await conn.execute(select(t.wa_sent))).all() == []


# Sender ----------------------------------------------------------------------------------------

FAST = RetryPolicy(attempts=3, backoff=0.01, throttle=0.01, pair=0.02, max_wait=0.05)
TEXT = {"type": "text", "text": {"body": "Merhaba"}}


async def test_sender_retries_throttling_and_classifies_errors(tmp_path: Path) -> None:
    async with GraphDouble(token="tok") as graph:
        client = GraphClient(graph.url, "v22.0", "PN", "tok", retry=FAST)
        try:
            graph.fail_once("905321234567", 131056)
            assert (await client.send("905321234567", TEXT)).startswith("wamid.")
            assert [code for code, _ in graph.rejected] == [131056]
            for _ in range(3):
                graph.fail_once("905320000000", 130429)
            with pytest.raises(Throttled):
                await client.send("905320000000", TEXT)
            graph.fail_once("905321111111", 131026)
            with pytest.raises(Unreachable):
                await client.send("905321111111", TEXT)
            with pytest.raises(SendFailed):
                await client.send("905321234567", {"type": "text", "text": {"body": ""}})
        finally:
            await client.aclose()
        bad = GraphClient(graph.url, "v22.0", "PN", "wrong", retry=FAST)
        try:
            with pytest.raises(SendFailed):
                await bad.send("905321234567", TEXT)
        finally:
            await bad.aclose()
    assert json.dumps(graph.sent[0].body).count("Merhaba") == 1


def test_every_whatsapp_sentence_exists_in_every_locale() -> None:
    root = Path(__file__).resolve().parents[2] / "bot" / "channels"
    used = {
        key
        for module in root.glob("whatsapp*.py")
        for key in re.findall(r'"(whatsapp\.[a-z_]+)"', module.read_text(encoding="utf-8"))
    }
    assert {"whatsapp.pushes_off", "whatsapp.more", "whatsapp.list_button"} <= used
    for locale in _T.locales:
        assert sorted(k for k in used if not _T.has(k, locale)) == [], locale
