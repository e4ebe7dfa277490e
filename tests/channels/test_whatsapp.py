"""The WhatsApp channel end to end: signed webhooks over HTTP → real engine → Graph API double."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update

from bot.app import Assistant, build_assistant
from bot.budget import AccountBudget, LocalBudget
from bot.channels.whatsapp import WhatsAppChannel
from bot.channels.whatsapp_inbound import sign
from bot.channels.whatsapp_render import more_request
from bot.engine import Answer, Record
from bot.metrics import Metrics
from bot.retry import RetryPolicy
from bot.web import build_web_app
from core.messages import Button, Incoming, Reply
from storage import tables as t
from storage.whatsapp_repo import Delivery, InboundRow
from storage.whatsapp_store import WhatsAppStore
from tests.bot.conftest import make_settings
from tests.dbutil import PG_ENV, fresh_postgres_url, postgres_base_url
from tests.doubles.graph_api import GraphDouble, LocalServer, Sent
from tests.idnumbers import VALID_ID

SECRET = "app-secret-for-tests"
TOKEN = "graph-token-for-tests"
VERIFY = "verify-me-please"
PHONE_ID = "106540352242922"
FAST = RetryPolicy(attempts=3, backoff=0.01, throttle=0.01, pair=0.02, max_wait=0.05)
_ids = itertools.count(1)


@dataclass
class WhatsApp:
    """The running channel behind a real HTTP server, and what it sent to the Graph double."""

    channel: WhatsAppChannel
    assistant: Assistant
    graph: GraphDouble
    http: httpx.AsyncClient
    metrics: Metrics
    server: LocalServer

    async def post(self, doc: Any, signature: str | None = "sign") -> httpx.Response:
        body = json.dumps(doc).encode() if not isinstance(doc, bytes) else doc
        headers = {"content-type": "application/json"}
        if signature == "sign":
            headers["x-hub-signature-256"] = sign(SECRET.encode(), body)
        elif signature is not None:
            headers["x-hub-signature-256"] = signature
        return await self.http.post("/webhooks/whatsapp", content=body, headers=headers)

    async def settle(self) -> None:
        """Waits until every stored message is handled and its bookkeeping committed."""
        await self.channel.queue.join()
        await self.channel.store.drain()

    async def count(self, table: Any) -> int:
        async with self.assistant.db.read() as conn:
            return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def delivery(
    *messages: dict[str, Any], statuses: list[dict[str, Any]] | None = None, wa_id: str = ""
) -> dict[str, Any]:
    """A webhook body in the shape Meta documents for the messages field."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "902324550000", "phone_number_id": PHONE_ID},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": "Ayşe"}, "wa_id": wa_id or messages[0]["from"]}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


@dataclass
class Person:
    """A WhatsApp user: sends messages through the webhook and reads what came back."""

    wa: WhatsApp
    wa_id: str
    last: list[Sent] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"whatsapp:{self.wa_id}"

    def message(self, kind: str, **content: Any) -> dict[str, Any]:
        wamid = f"wamid.HBgM{self.wa_id}{next(_ids):06d}"
        stamp = str(int(datetime.now(UTC).timestamp()))
        return {"from": self.wa_id, "id": wamid, "timestamp": stamp, "type": kind, **content}

    async def send(self, message: dict[str, Any]) -> list[Sent]:
        before = len(self.wa.graph.to(self.wa_id))
        response = await self.wa.post(delivery(message))
        assert response.status_code == 200, response.text
        await self.wa.settle()
        self.last = self.wa.graph.to(self.wa_id)[before:]
        return self.last

    async def say(self, text: str) -> list[Sent]:
        return await self.send(self.message("text", text={"body": text}))

    async def press(self, fragment: str) -> list[Sent]:
        """Taps the first reply button or list row whose title contains `fragment`."""
        for sent in self.last:
            for ident, title in sent.choices:
                if fragment.lower() in title.lower():
                    kind = "button_reply" if sent.interactive_type == "button" else "list_reply"
                    content = {"type": kind, kind: {"id": ident, "title": title}}
                    return await self.send(self.message("interactive", interactive=content))
        raise AssertionError(f"no choice like {fragment!r} in {self.texts()}")

    async def press_id(self, prefix: str) -> list[Sent]:
        for sent in self.last:
            for ident, title in sent.choices:
                if ident.startswith(prefix):
                    kind = "button_reply" if sent.interactive_type == "button" else "list_reply"
                    content = {"type": kind, kind: {"id": ident, "title": title}}
                    return await self.send(self.message("interactive", interactive=content))
        raise AssertionError(f"no choice with id {prefix!r} in {self.texts()}")

    def texts(self) -> str:
        return "\n---\n".join(
            s.text + "".join(f"\n [{title}] {ident}" for ident, title in s.choices)
            for s in self.last
        )


def quick_budget(rate: float = 50.0) -> AccountBudget:
    """The number's budget with a short pause between two pushes to one user instead of the
    pair rate's 6 s, so tests may push right after a reply (the pair rate itself is tested in
    test_whatsapp_budget.py)."""
    return LocalBudget({"whatsapp": (rate, 0.05)}).account(f"whatsapp:{PHONE_ID}")


async def open_channel(
    assistant: Assistant | None,
    tmp_path: Path,
    graph: GraphDouble,
    *,
    paced: bool = False,
    **env: str,
) -> WhatsApp:
    """Builds the real assistant (unless given), the channel and the web app, and serves it.
    The number's budget is a quick one (`quick_budget`), or with `paced` the one `meslek-bot
    run` builds from the settings (`env`: MF_WHATSAPP_MAX_RATE…), pair rate included."""
    kept = {k: v for k, v in os.environ.items() if k.startswith("MF_")}
    settings = make_settings(
        tmp_path,
        whatsapp_token=TOKEN,
        whatsapp_phone_number_id=PHONE_ID,
        whatsapp_app_secret=SECRET,
        whatsapp_verify_token=VERIFY,
        whatsapp_api_url=graph.url,
        whatsapp_api_version="v22.0",
        whatsapp_templates="reminder=mf_hatirlatma:tr,reminder=mf_reminder_ar:ar",
        **env,
    )
    os.environ.update(kept)  # make_settings clears MF_*; MF_TEST_DATABASE_URL must survive
    assistant = assistant or await build_assistant(settings)
    metrics = Metrics()
    store = WhatsAppStore(
        assistant.db, assistant.users, assistant.engine.clock, assistant.engine.vault
    )
    channel = WhatsAppChannel(
        settings,
        assistant.engine,
        store,
        assistant.users,
        metrics,
        retry=FAST,
        budget=assistant.budget_of("whatsapp") if paced else quick_budget(),
    )
    server = LocalServer(build_web_app(assistant.db, metrics, channel.routes()))
    url = await server.start()
    await channel.start()
    http = httpx.AsyncClient(base_url=url, timeout=10)
    return WhatsApp(channel, assistant, graph, http, metrics, server)


async def close_channel(wa: WhatsApp, *, keep_assistant: bool = False) -> None:
    await wa.http.aclose()
    await wa.channel.stop()
    await wa.server.stop()
    if not keep_assistant:
        await wa.assistant.close()


@pytest.fixture
async def wa(tmp_path: Path) -> AsyncIterator[WhatsApp]:
    async with GraphDouble(token=TOKEN, phone_number_id=PHONE_ID) as graph:
        opened = await open_channel(None, tmp_path, graph)
        try:
            yield opened
        finally:
            await close_channel(opened)


@pytest.fixture
def ayse(wa: WhatsApp) -> Person:
    return Person(wa, "905321234567")


# Webhook security -----------------------------------------------------------------------------


async def test_verification_handshake(wa: WhatsApp) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    ok = await wa.http.get("/webhooks/whatsapp", params=params)
    assert ok.status_code == 200
    assert ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    wrong = await wa.http.get("/webhooks/whatsapp", params={**params, "hub.verify_token": "x"})
    assert wrong.status_code == 403
    mode = await wa.http.get("/webhooks/whatsapp", params={**params, "hub.mode": "unsubscribe"})
    assert mode.status_code == 403


async def test_bad_signature_is_refused_and_nothing_is_stored_or_sent(
    wa: WhatsApp, ayse: Person
) -> None:
    doc = delivery(ayse.message("text", text={"body": "merhaba"}))
    body = json.dumps(doc).encode()
    assert (await wa.post(doc, signature=None)).status_code == 401
    assert (await wa.post(doc, signature=sign(b"not-the-secret", body))).status_code == 403
    assert (await wa.post(doc, signature="sha256=" + "0" * 64)).status_code == 403
    tampered = body.replace(b"merhaba", b"merhabA")
    assert (await wa.post(tampered, signature=sign(SECRET.encode(), body))).status_code == 403
    assert (await wa.post(b"x" * 1_100_000, signature="sign")).status_code == 413
    await wa.settle()
    await asyncio.sleep(0.1)
    assert await wa.count(t.wa_inbound) == 0
    assert wa.graph.sent == []
    assert wa.graph.requests == 0


async def _table_counts(wa: WhatsApp) -> dict[str, int]:
    return {name: await wa.count(table) for name, table in t.metadata.tables.items()}


async def test_malformed_signed_deliveries_are_acknowledged_and_recorded_without_content(
    wa: WhatsApp, ayse: Person
) -> None:
    """Signed, so they are Meta's: any answer but 200 would bring the same bytes back for
    days. Each is kept as a handled row with its hash, size and reason, and nothing else."""
    good = delivery(ayse.message("text", text={"body": "Ayşe Yılmaz 12345678901"}))
    text = json.dumps(good)
    bodies = {
        "lone_surrogate": text.replace("Ay\\u015fe", "Ay\\udfff").encode(),
        "too_deep": b"[" * 200_000 + b"]" * 200_000,
        "not_utf8": json.dumps(good, ensure_ascii=False)
        .encode()
        .replace("Yılmaz".encode(), b"Y\xff\xfelmaz"),
        "not_json": b"{not json",
        "shape": json.dumps({**good, "entry": [{"changes": {"value": "Ayşe"}}]}).encode(),
    }
    assert b"\\udfff" in bodies["lone_surrogate"]
    assert b"\xff" in bodies["not_utf8"]
    before = await _table_counts(wa)
    for body in bodies.values():
        answer = await wa.post(body)
        assert (answer.status_code, answer.text) == (200, "ok")
    assert (await wa.post(bodies["not_json"])).status_code == 200  # the same bytes again
    await wa.settle()

    async with wa.assistant.db.read() as conn:
        rows = (await conn.execute(select(t.wa_inbound))).all()
    assert len(rows) == len(bodies)  # one per distinct body, the repeat included
    for reason, body in bodies.items():
        digest = hashlib.sha256(body).hexdigest()
        [row] = [r for r in rows if r.wamid == f"rejected:{digest}"]
        assert json.loads(row.payload) == {"rejected": reason, "sha256": digest, "size": len(body)}
        assert (row.user_key, row.processed_at is not None) == ("-", True)
    after = await _table_counts(wa)
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "wa_inbound": len(bodies)
    }
    assert "Yılmaz" not in str(rows)
    assert "12345678901" not in str(rows)
    assert wa.graph.sent == []
    assert wa.metrics.errors.value(channel="whatsapp", kind="malformed") == len(bodies) + 1

    await ayse.say("merhaba")  # a good delivery is handled as always afterwards
    assert ayse.last


# Conversations --------------------------------------------------------------------------------


async def test_a_menu_becomes_a_list_and_two_choices_become_reply_buttons(ayse: Person) -> None:
    [menu] = await ayse.say("merhaba")
    assert menu.interactive_type == "list"
    action = menu.body["interactive"]["action"]
    rows = action["sections"][0]["rows"]
    assert 4 <= len(rows) <= 10
    assert all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)
    assert action["button"] == "Seçenekler"
    await ayse.say("barista kursuna başvurmak istiyorum")
    await ayse.press_id("apply_course")
    consent = [s for s in ayse.last if s.type == "interactive"][-1]
    assert consent.interactive_type == "button"
    titles = [title for _, title in consent.choices]
    assert 1 <= len(titles) <= 3
    assert all(len(title) <= 20 for title in titles)
    assert len(consent.text) <= 1024


async def test_a_full_application_through_whatsapp_uses_the_senders_number(
    wa: WhatsApp, ayse: Person
) -> None:
    await ayse.say("barista kursuna başvurmak istiyorum")
    await ayse.press_id("apply_course")
    await ayse.press_id("consent")  # the first consent button
    for answer in ("Ayşe Yılmaz", "12.05.1998", VALID_ID):
        await ayse.say(answer)
    assert "+905321234567" in ayse.texts()
    await ayse.press("Bu numarayı kullan")
    for answer in ("Buca", "geç", "geç"):
        await ayse.say(answer)
    assert "+905321234567" in ayse.texts()
    await ayse.press("Gönder")
    assert "MF-" in ayse.texts()
    async with wa.assistant.db.read() as conn:
        app = (await conn.execute(select(t.applications))).one()
    assert (app.channel, app.phone, app.user_key) == ("whatsapp", "+905321234567", ayse.key)
    async with wa.assistant.db.read() as conn:
        kept = (await conn.execute(select(t.wa_inbound.c.payload))).scalars().all()
    assert all(VALID_ID not in payload for payload in kept)  # handled rows forget their text


async def test_media_gets_a_kind_answer_and_a_reaction_none(ayse: Person) -> None:
    [answer] = await ayse.send(ayse.message("audio", audio={"id": "123", "voice": True}))
    assert "okuyamıyorum" in answer.text
    assert (
        await ayse.send(ayse.message("reaction", reaction={"message_id": "x", "emoji": "👍"})) == []
    )


async def test_a_replayed_delivery_is_handled_once(wa: WhatsApp, ayse: Person) -> None:
    doc = delivery(ayse.message("text", text={"body": "merhaba"}))
    responses = await asyncio.gather(*(wa.post(doc) for _ in range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200]
    await wa.settle()
    assert (await wa.post(doc)).status_code == 200  # Meta retries later, too
    await wa.settle()
    assert len(wa.graph.to(ayse.wa_id)) == 1
    assert await wa.count(t.wa_inbound) == 1


async def test_throttling_is_waited_out(wa: WhatsApp, ayse: Person) -> None:
    wa.graph.fail_once(ayse.wa_id, 130429)
    wa.graph.fail_once(ayse.wa_id, 131056)
    [menu] = await ayse.say("merhaba")
    assert menu.interactive_type == "list"
    assert [code for code, _ in wa.graph.rejected] == [130429, 131056]


async def test_status_callbacks_are_recorded_and_never_go_backwards(
    wa: WhatsApp, ayse: Person
) -> None:
    [menu] = await ayse.say("merhaba")
    [answer, *_] = await ayse.say("kurslar ücretli mi")
    stamp = str(int(datetime.now(UTC).timestamp()))

    def status(wamid: str, name: str, **extra: Any) -> dict[str, Any]:
        base = {"id": wamid, "status": name, "timestamp": stamp, "recipient_id": ayse.wa_id}
        return {**base, **extra}

    failure = {"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable"}
    statuses = [
        status(menu.wamid, "read"),
        status(menu.wamid, "delivered"),  # late and out of order: stays read
        status(answer.wamid, "failed", errors=[failure]),
        status("wamid.not-ours", "delivered"),
    ]
    assert (await wa.post(delivery(statuses=statuses))).status_code == 200
    async with wa.assistant.db.read() as conn:
        rows = {r.wamid: r for r in (await conn.execute(select(t.wa_sent))).all()}
        unreachable = (
            await conn.execute(select(t.users.c.unreachable).where(t.users.c.key == ayse.key))
        ).scalar_one()
    assert (rows[menu.wamid].status, rows[menu.wamid].kind) == ("read", "reply")
    assert (rows[answer.wamid].status, rows[answer.wamid].error_code) == ("failed", 131026)
    assert rows[answer.wamid].error_title == "Message undeliverable"
    assert "wamid.not-ours" not in rows
    assert unreachable is True  # no pushes until she writes again
    assert await wa.channel.push(ayse.key, [Reply("Duyuru")], "announcement") == "skipped_off"
    await ayse.say("merhaba")
    assert await wa.channel.push(ayse.key, [Reply("Duyuru")], "announcement") == "sent"


async def test_erasing_my_data_leaves_no_row_with_my_number(wa: WhatsApp, ayse: Person) -> None:
    await _erase_and_look(wa, ayse)


async def test_erasing_my_data_on_postgresql_leaves_no_row_with_my_number(tmp_path: Path) -> None:
    """PostgreSQL finishes a batch in one statement (`storage.whatsapp_repo.finish_handled`):
    the rows of a user gone are deleted there."""
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"PostgreSQL skipped: {PG_ENV} is not set")
    async with (
        fresh_postgres_url(base) as url,
        GraphDouble(token=TOKEN, phone_number_id=PHONE_ID) as graph,
    ):
        wa = await open_channel(None, tmp_path, graph, database_url=url)
        try:
            await _erase_and_look(wa, Person(wa, "905321234567"))
        finally:
            await close_channel(wa)


async def _erase_and_look(wa: WhatsApp, ayse: Person) -> None:
    await ayse.say("merhaba")
    await ayse.say("verilerimi sil")
    assert "geri alınamaz" in ayse.texts()
    await ayse.press("Evet")
    assert "silindi" in ayse.texts()
    async with wa.assistant.db.read() as conn:
        for table in t.metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                assert ayse.wa_id not in " ".join(map(str, row)), (table.name, row)


def _files(wa: WhatsApp) -> bytes:
    """The database file and its -wal, as they are on disk now (the database is open)."""
    path = wa.assistant.settings.sqlite_path
    assert path is not None
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_what_was_typed_on_whatsapp_is_stored_sealed_and_erased_without_a_trace(
    wa: WhatsApp, ayse: Person
) -> None:
    await ayse.say("barista kursuna başvurmak istiyorum")
    await ayse.press_id("apply_course")
    await ayse.press_id("consent")
    for answer in ("Ayşe Yılmaz", "12.05.1998", VALID_ID, "0533 765 43 21", "Buca", "geç", "geç"):
        await ayse.say(answer)
    await ayse.press("Gönder")
    assert "MF-" in ayse.texts()
    await ayse.say(f"TC numaram {VALID_ID}, öbür numaram 0533 765 43 21")
    assert VALID_ID.encode() not in _files(wa)  # not in the form, not in a stored message
    assert b"765 43 21" not in _files(wa)
    # A message stored but not handled yet (the state a crash leaves) is sealed too.
    typed = ayse.message("text", text={"body": f"kimlik {VALID_ID}"})
    payload = json.dumps({"message": typed, "contact": {}}, ensure_ascii=False)
    row = InboundRow(typed["id"], ayse.key, payload, datetime.now(UTC))
    assert await wa.channel.store.store(Delivery([row], [])) == {typed["id"]}
    async with wa.assistant.db.read() as conn:
        rows = await conn.execute(select(t.wa_inbound.c.wamid, t.wa_inbound.c.payload))
        kept: dict[str, str] = {wamid: text for wamid, text in rows}
    assert VALID_ID not in kept[typed["id"]]
    assert {p for w, p in kept.items() if w != typed["id"]} == {"{}"}  # handled: emptied
    assert [r.payload for r in await wa.channel.store.unprocessed()] == [payload]
    assert VALID_ID.encode() not in _files(wa)

    await ayse.say("verilerimi sil")
    await ayse.press("Evet")
    assert "silindi" in ayse.texts()
    files = _files(wa)
    for trace in (VALID_ID, "5337654321", "765 43 21", "Yılmaz", ayse.wa_id):
        assert trace.encode() not in files, trace


async def test_rows_left_unhandled_by_a_crash_are_handled_at_start(tmp_path: Path) -> None:
    async with GraphDouble(token=TOKEN, phone_number_id=PHONE_ID) as graph:
        first = await open_channel(None, tmp_path, graph)
        await close_channel(first, keep_assistant=True)
        ayse = Person(first, "905321234567")
        row = json.dumps({"message": ayse.message("text", text={"body": "merhaba"}), "contact": {}})
        async with first.assistant.db.write() as conn:
            await conn.execute(
                insert(t.wa_inbound).values(
                    wamid="wamid.crashed",
                    user_key=ayse.key,
                    payload=row,
                    received_at=datetime.now(UTC),
                )
            )
        again = await open_channel(first.assistant, tmp_path, graph)
        try:
            await again.settle()
            assert [s.interactive_type for s in graph.to(ayse.wa_id)] == ["list"]
            async with again.assistant.db.read() as conn:
                done = await conn.execute(select(t.wa_inbound.c.processed_at))
                assert done.scalar_one() is not None
        finally:
            await close_channel(again)


# Pushes ---------------------------------------------------------------------------------------


async def set_last_inbound(wa: WhatsApp, user: str, ago: timedelta) -> None:
    async with wa.assistant.db.write() as conn:
        await conn.execute(
            update(t.users)
            .where(t.users.c.key == user)
            .values(last_inbound_at=datetime.now(UTC) - ago)
        )


async def test_the_24_hour_window_decides_free_form_template_or_skip(
    wa: WhatsApp, ayse: Person
) -> None:
    await ayse.say("merhaba")
    reminder = [Reply("Yarın 18.30'da Barista dersiniz var.\nBekliyoruz!")]
    before = len(wa.graph.to(ayse.wa_id))
    assert await wa.channel.push(ayse.key, reminder, "reminder") == "sent"
    [free] = wa.graph.to(ayse.wa_id)[before:]
    assert free.type == "text"
    await set_last_inbound(wa, ayse.key, timedelta(hours=25))
    assert await wa.channel.push(ayse.key, reminder, "reminder") == "template"
    template = wa.graph.to(ayse.wa_id)[-1]
    assert template.body["template"]["name"] == "mf_hatirlatma"
    assert template.body["template"]["language"] == {"code": "tr"}
    assert template.text == "Yarın 18.30'da Barista dersiniz var. Bekliyoruz!"
    count = len(wa.graph.sent)
    assert await wa.channel.push(ayse.key, reminder, "decision") == "skipped_window"
    assert len(wa.graph.sent) == count
    assert await wa.channel.push("whatsapp:905550000000", reminder, "reminder") == "skipped_off"
    await wa.settle()
    async with wa.assistant.db.read() as conn:
        kinds = (await conn.execute(select(t.wa_sent.c.kind))).scalars().all()
    assert sorted(kinds).count("reminder") == 2


async def test_a_template_in_the_recipients_language(wa: WhatsApp, ayse: Person) -> None:
    await ayse.say("merhaba")
    await set_last_inbound(wa, ayse.key, timedelta(hours=25))
    reminder = [Reply("لديك درس غدًا: \u2068Barista\u2069", locale="ar")]
    assert await wa.channel.push(ayse.key, reminder, "reminder") == "template"
    template = wa.graph.to(ayse.wa_id)[-1]
    assert template.body["template"]["name"] == "mf_reminder_ar"
    assert template.body["template"]["language"] == {"code": "ar"}
    english = [Reply("You have a lesson tomorrow.", locale="en")]  # no English one: the first
    assert await wa.channel.push(ayse.key, english, "reminder") == "template"
    assert wa.graph.to(ayse.wa_id)[-1].body["template"]["name"] == "mf_hatirlatma"


async def test_a_closed_window_reported_by_whatsapp_falls_back_to_the_template(
    wa: WhatsApp, ayse: Person
) -> None:
    await ayse.say("merhaba")
    wa.graph.fail_once(ayse.wa_id, 131047)
    assert await wa.channel.push(ayse.key, [Reply("Hatırlatma")], "reminder") == "template"


async def test_dur_stops_pushes_and_basla_starts_them(wa: WhatsApp, ayse: Person) -> None:
    [stopped] = await ayse.say("DUR")
    assert "BAŞLA" in stopped.text
    assert await wa.channel.push(ayse.key, [Reply("Duyuru")], "announcement") == "skipped_off"
    [started] = await ayse.say("  başla ")
    assert "DUR" in started.text
    assert await wa.channel.push(ayse.key, [Reply("Duyuru")], "announcement") == "sent"
    async with wa.assistant.db.read() as conn:
        off = (
            await conn.execute(select(t.users.c.pushes_off).where(t.users.c.key == ayse.key))
        ).scalar_one()
    assert off is False


async def test_a_list_answered_again_after_a_crash_still_pages(wa: WhatsApp, ayse: Person) -> None:
    """The turn that showed a long list committed its answer, then the instance died before
    sending it (and before the pages were written with the message's finish): handled again,
    the recorded list goes out and its "more" shows the next page (kept in the record)."""
    await ayse.say("merhaba")
    message = ayse.message("text", text={"body": "konak merkezleri"})  # 11 courses
    incoming = Incoming(ayse.key, text="konak merkezleri", message_id=message["id"])
    await wa.channel._turn(ayse.key, incoming)  # committed, never sent nor marked handled
    await wa.assistant.engine.turn_log.close()
    assert await wa.count(t.wa_pages) == 0
    *_, listed = await ayse.send(message)  # the same message handled again (text, then list)
    assert len(listed.choices) == 10
    [page] = await ayse.press_id("wamore|")
    shown = [*listed.choices[:9], *page.choices]
    assert len(shown) == 11  # every course once
    assert len(set(shown)) == 11
    assert await wa.count(t.wa_pages) == 1


async def test_more_than_ten_options_are_paged_by_the_channel(
    wa: WhatsApp, ayse: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    many = tuple(Button(f"Kurs {i}", f"crs|k{i}") for i in range(1, 24))
    real = wa.assistant.engine.answer

    async def long_menu(msg: Incoming, record: Record | None = None) -> Answer:
        if msg.text == "hepsi":
            return Answer([Reply("Bütün kurslar:", buttons=many)])
        return await real(msg, record)

    monkeypatch.setattr(wa.assistant.engine, "answer", long_menu)
    await ayse.say("merhaba")  # a user of the assistant (an erased one's pages are dropped)
    [first] = await ayse.say("hepsi")
    assert [title for _, title in first.choices][-1] == "Daha fazla"
    assert len(first.choices) == 10
    [second] = await ayse.press("Daha fazla")
    assert [ident for ident, _ in second.choices][:9] == [f"crs|k{i}" for i in range(10, 19)]
    [third] = await ayse.press("Daha fazla")
    assert [ident for ident, _ in third.choices] == [f"crs|k{i}" for i in range(19, 24)]
    await ayse.say("merhaba")  # a new turn: the list is still on the screen, and pages
    ayse.last = [first]
    [again] = await ayse.press("Daha fazla")
    assert again.choices == second.choices
    token, _ = more_request(first.choices[-1][0]) or ("", 0)
    unknown = {"id": f"wamore|{token[::-1]}x|9", "title": "Daha fazla"}  # a list nobody kept
    content = {"type": "list_reply", "list_reply": unknown}
    [stale] = await ayse.send(ayse.message("interactive", interactive=content))
    assert "geçerli değil" in stale.text
