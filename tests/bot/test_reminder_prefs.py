"""Hatırlatma ayarları: choosing which class reminders come, through the engine, on SQLite."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import Assistant, build_assistant
from bot.reminder_policy import due_times, kind_of
from bot.scheduler import HORIZON
from core.conversation import Conversation
from core.messages import MAX_PAYLOAD_BYTES, Incoming, Payload
from handlers.base import Context
from handlers.reminder_prefs import describe, parse_kind
from storage import outbox_repo
from storage import tables as t
from tests.bot.conftest import Chat, copy_seeded, make_settings
from tests.course_setup import enrol
from tests.handlers.fakes import FakeStore

USER = "console:test"
OTHER = "console:other"


@pytest.fixture
async def trainee(chat: Chat) -> datetime:
    """The chat user and one other trainee are linked to the course of the next session;
    returns a planning moment two days before that session."""
    return await _enrol_both(chat.assistant)


async def _enrol_both(a: Assistant) -> datetime:
    async with a.db.read() as conn:
        first = (
            await conn.execute(
                select(t.sessions.c.course_id, t.sessions.c.starts_at)
                .where(
                    t.sessions.c.status == "scheduled", t.sessions.c.starts_at > a.engine.clock()
                )
                .order_by(t.sessions.c.starts_at)
                .limit(1)
            )
        ).one()
    await enrol(a.db, first.course_id, [USER, OTHER])
    starts: datetime = first.starts_at
    return starts - timedelta(days=2)


async def plan(a: Assistant, now: datetime) -> int:
    s = a.settings
    async with a.db.write() as conn:
        return await outbox_repo.plan_reminders(
            conn,
            now,
            HORIZON,
            lambda starts: due_times(starts, s.reminder_offsets, s.quiet_window, s.tz),
        )


async def queued(a: Assistant, user: str = USER) -> Counter[str]:
    """Queued reminder rows of `user`, counted by reminder kind."""
    o = t.outbox
    async with a.db.read() as conn:
        rows = await conn.execute(
            select(o.c.payload).where(
                o.c.user_key == user, o.c.kind == "reminder", o.c.status == "queued"
            )
        )
        return Counter(json.loads(r.payload)["rkind"] for r in rows)


async def stored_pref(a: Assistant, user: str = USER) -> str:
    async with a.db.read() as conn:
        value = await conn.execute(select(t.users.c.reminders).where(t.users.c.key == user))
        return str(value.scalar_one())


def labels(chat: Chat) -> list[str]:
    return [b.label for r in chat.last for b in r.buttons]


async def test_the_menu_lists_each_configured_reminder_with_its_state(chat: Chat) -> None:
    await chat.say("hatırlatma ayarları")
    text = chat.texts()
    assert "Dersten önceki akşam saat 18.00'de: açık" in text
    assert "Dersten 2 saat önce: açık" in text
    assert labels(chat) == ["Hepsini kapat", "Kapat: Akşam 18.00", "Kapat: 2 saat önce"]
    assert not chat.last[0].replace_previous
    for button in (b for r in chat.last for b in r.buttons):
        assert len(button.data.encode("utf-8")) <= MAX_PAYLOAD_BYTES
        assert Payload.decode(button.data) is not None
    menu = chat.texts()
    await chat.say("/hatirlatmalar")
    assert chat.texts() == menu


async def test_the_menu_follows_mf_reminders(tmp_path: Path, seeded_db: Path) -> None:
    copy_seeded(seeded_db, tmp_path)
    a = await build_assistant(make_settings(tmp_path, reminders="eve@19:00,30m,90m"))
    try:
        now = await _enrol_both(a)
        chat = Chat(a)
        await chat.say("hatırlatmalarımı kapatmak istiyorum")
        text = chat.texts()
        assert "Dersten önceki akşam saat 19.00'da: açık" in text
        assert "Dersten 1 saat 30 dakika önce: açık" in text
        assert "Dersten 30 dakika önce: açık" in text
        assert "18.00" not in text
        assert "2 saat" not in text
        assert labels(chat) == [
            "Hepsini kapat",
            "Kapat: Akşam 19.00",
            "Kapat: 1 saat 30 dakika önce",
            "Kapat: 30 dakika önce",
        ]
        await plan(a, now)
        assert set(await queued(a)) == {"eve1900", "m90", "m30"}
        await chat.press_label("Kapat: 30 dakika")
        assert "Tamam, “Dersten 30 dakika önce” hatırlatmasını kapattım." in chat.texts()
        assert await stored_pref(a) == "eve1900,m90"
        assert set(await queued(a)) == {"eve1900", "m90"}
    finally:
        await a.close()


async def test_turning_one_kind_off_drops_its_queued_rows_and_stops_planning_it(
    chat: Chat, trainee: datetime
) -> None:
    a = chat.assistant
    await plan(a, trainee)
    before = await queued(a)
    assert set(before) == {"eve1800", "m120"}
    others = await queued(a, OTHER)
    # One reminder of the kind already went out: it is history, not touched.
    async with a.db.write() as conn:
        sent = (
            await conn.execute(
                select(t.outbox.c.id)
                .where(t.outbox.c.user_key == USER, t.outbox.c.payload.contains('"m120"'))
                .limit(1)
            )
        ).scalar_one()
        await conn.execute(update(t.outbox).where(t.outbox.c.id == sent).values(status="sent"))

    await chat.say("hatırlatma ayarları")
    await chat.press_label("Kapat: 2 saat önce")
    reply = chat.last[0]
    assert reply.replace_previous  # the menu is edited in place where the channel can
    assert reply.text.startswith("Tamam, “Dersten 2 saat önce” hatırlatmasını kapattım.")
    assert "Dersten önceki akşam saat 18.00'de: açık" in reply.text
    assert "Dersten 2 saat önce: kapalı" in reply.text
    assert labels(chat) == ["Hepsini kapat", "Kapat: Akşam 18.00", "Aç: 2 saat önce"]
    assert await stored_pref(a) == "eve1800"
    assert await queued(a) == Counter(eve1800=before["eve1800"])
    assert await queued(a, OTHER) == others  # another trainee's reminders stay
    async with a.db.read() as conn:
        status = await conn.execute(select(t.outbox.c.status).where(t.outbox.c.id == sent))
        assert status.scalar_one() == "sent"

    assert await plan(a, trainee) == 0  # planning again does not bring the kind back
    assert await queued(a) == Counter(eve1800=before["eve1800"])

    await chat.press_label("Aç: 2 saat önce")
    assert "Tamam, “Dersten 2 saat önce” hatırlatmasını açtım." in chat.texts()
    assert await stored_pref(a) == ""
    assert await plan(a, trainee) == before["m120"] - 1  # all but the one already sent
    assert await queued(a) == Counter(eve1800=before["eve1800"], m120=before["m120"] - 1)


async def test_all_off_and_all_on(chat: Chat, trainee: datetime) -> None:
    a = chat.assistant
    await plan(a, trainee)
    before = await queued(a)
    await chat.say("hatırlatma ayarları")
    await chat.press_label("Hepsini kapat")
    text = chat.texts()
    assert "ders hatırlatmalarının hepsini kapattım" in text
    assert "Dersten önceki akşam saat 18.00'de: kapalı" in text
    assert "Dersten 2 saat önce: kapalı" in text
    assert labels(chat) == ["Hepsini aç", "Aç: Akşam 18.00", "Aç: 2 saat önce"]
    assert await stored_pref(a) == "off"
    assert await queued(a) == Counter()
    assert await plan(a, trainee) == 0

    await chat.press_label("Hepsini aç")
    assert "ders hatırlatmalarının hepsini açtım" in chat.texts()
    assert labels(chat) == ["Hepsini kapat", "Kapat: Akşam 18.00", "Kapat: 2 saat önce"]
    assert await stored_pref(a) == ""
    await plan(a, trainee)
    assert await queued(a) == before


async def test_the_last_kind_off_is_off_and_every_kind_on_is_the_default(
    chat: Chat, trainee: datetime
) -> None:
    a = chat.assistant
    await plan(a, trainee)
    await chat.say("hatırlatma ayarları")
    await chat.press_label("Kapat: Akşam")
    assert await stored_pref(a) == "m120"
    await chat.press_label("Kapat: 2 saat")
    assert await stored_pref(a) == "off"
    assert await queued(a) == Counter()
    assert labels(chat)[0] == "Hepsini aç"
    await chat.press_label("Aç: 2 saat")
    assert await stored_pref(a) == "m120"
    await plan(a, trainee)
    assert set(await queued(a)) == {"m120"}
    await chat.press_label("Aç: Akşam")
    assert await stored_pref(a) == ""


async def test_old_and_forged_buttons_change_nothing(chat: Chat, trainee: datetime) -> None:
    a = chat.assistant
    await plan(a, trainee)
    await chat.say("hatırlatma ayarları")
    old = {b.label: b.data for r in chat.last for b in r.buttons}
    await chat.press(old["Kapat: 2 saat önce"])
    assert await stored_pref(a) == "eve1800"
    current = {b.label: b.data for r in chat.last for b in r.buttons}
    decoded = Payload.decode(current["Hepsini kapat"])
    assert decoded is not None
    stamp = decoded.args[0]
    rows = await queued(a)

    forged = [
        old["Kapat: Akşam 18.00"],  # from the menu before the last change
        old["Hepsini kapat"],
        f"rs|{stamp}|m999",  # a kind that is not configured
        f"rs|{stamp}|on",  # "all on" while some are on is not what this menu offered
        "rs|000000|eve1800",
        "rs|on",  # the on/off button of the previous version
        "rs|off",
        "rs",
        f"rs|{stamp}|eve1800|x",
    ]
    for data in forged:
        await chat.press(data)
        assert chat.last[0].text == "Bu düğme eski bir mesajdan, artık geçerli değil.", data
        assert "Dersten 2 saat önce: kapalı" in chat.last[1].text  # the menu as it is now
        assert not chat.last[1].replace_previous
        assert await stored_pref(a) == "eve1800", data
        assert await queued(a) == rows, data


async def test_a_kind_no_longer_configured_is_stale(tmp_path: Path, seeded_db: Path) -> None:
    copy_seeded(seeded_db, tmp_path)
    a = await build_assistant(make_settings(tmp_path))
    try:
        chat = Chat(a)
        await chat.say("hatırlatma ayarları")
        await chat.press_label("Kapat: 2 saat")
        kept = {b.label: b.data for r in chat.last for b in r.buttons}
    finally:
        await a.close()
    a = await build_assistant(make_settings(tmp_path, reminders="eve@19:00,30m"))
    try:
        chat = Chat(a)
        await chat.press(kept["Kapat: Akşam 18.00"])
        assert chat.last[0].text == "Bu düğme eski bir mesajdan, artık geçerli değil."
        assert await stored_pref(a) == "eve1800"
        # The stored choice names none of today's reminders: the planner sends none of them,
        # and the menu says so.
        assert "Dersten önceki akşam saat 19.00'da: kapalı" in chat.texts()
        assert "Dersten 30 dakika önce: kapalı" in chat.texts()
        await chat.press_label("Aç: 30 dakika")
        assert await stored_pref(a) == "m30"
    finally:
        await a.close()


WORDING: list[tuple[tuple[str, int | time], str]] = [
    (("eve", time(18, 0)), "Dersten önceki akşam saat 18.00'de"),
    (("eve", time(19, 0)), "Dersten önceki akşam saat 19.00'da"),
    (("eve", time(20, 30)), "Dersten önceki akşam saat 20.30'da"),
    (("eve", time(17, 45)), "Dersten önceki akşam saat 17.45'te"),
    (("eve", time(13, 0)), "Dersten önceki gün saat 13.00'te"),
    (("eve", time(10, 0)), "Dersten önceki gün saat 10.00'da"),
    (("eve", time(9, 20)), "Dersten önceki gün saat 09.20'de"),
    (("before", 120), "Dersten 2 saat önce"),
    (("before", 30), "Dersten 30 dakika önce"),
    (("before", 90), "Dersten 1 saat 30 dakika önce"),
    (("before", 1440), "Dersten 24 saat önce"),
]


def test_each_kind_is_worded_from_its_code(chat: Chat) -> None:
    engine = chat.assistant.engine
    ctx = Context(
        incoming=Incoming(user=USER),
        locale="tr",
        now=engine.clock(),
        tz=engine.config.tz,
        catalog=engine.catalog,
        conv=Conversation(),
        store=FakeStore(),
        translator=engine.translator,
    )
    for item, expected in WORDING:
        kind = parse_kind(kind_of(item))
        assert kind is not None, item
        assert describe(ctx, kind) == expected
