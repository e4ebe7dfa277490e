"""Announcements in the panel: the preview counts each channel and the WhatsApp window, a
confirmed one queues one row per account (the same logic as `announce`), the report sorts
outcomes, centre staff reach only their centres, bad input changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from storage import tables as t
from tests.course_setup import enrol
from tests.panel.rig import Rig, form_token, sign_in

pytestmark = pytest.mark.asyncio

USERS = ["telegram:71", "telegram:72", "whatsapp:905320000071", "whatsapp:905320000072"]


async def _course_with_trainees(rig: Rig) -> tuple[str, str]:
    centre = (await rig.centres())[0]
    course, _ = await rig.course_at(centre)
    await enrol(rig.db, course, USERS)
    async with rig.db.write() as conn:  # one WhatsApp user wrote an hour ago: inside 24 h
        await conn.execute(
            update(t.users)
            .where(t.users.c.key == USERS[2])
            .values(last_inbound_at=rig.clock() - timedelta(hours=1))
        )
    return centre, course


async def test_preview_confirm_and_report(any_rig: Rig) -> None:
    rig = any_rig
    _, course = await _course_with_trainees(rig)
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, "/announcements")
        form = {"csrf": token, "audience": f"course:{course}", "text": "Yarın ders yok."}
        page = await c.post("/announcements/preview", data=form)
        assert page.status_code == 200
        assert '<strong id="recipients">4</strong>' in page.text
        assert "Telegram</dt><dd>2 kişi" in page.text
        assert "Whatsapp</dt><dd>2 kişi" in page.text
        assert "1 kişi — şablon tanımlı değil" in page.text
        assert "kursu duyurusu: Yarın ders yok." in page.text
        async with rig.db.read() as conn:
            assert (await conn.execute(select(t.outbox))).all() == []  # nothing before confirm
        sent = await c.post("/announcements/send", data=form)
        assert sent.status_code == 303
        async with rig.db.write() as conn:  # as the dispatcher would end them
            o = t.outbox.c
            await conn.execute(update(t.outbox).where(o.user_key == USERS[0]).values(status="sent"))
            await conn.execute(
                update(t.outbox)
                .where(o.user_key == USERS[3])
                .values(status="skipped", last_error="skipped_window")
            )
            await conn.execute(
                update(t.outbox)
                .where(o.user_key == USERS[1])
                .values(status="skipped", last_error="blocked")
            )
        report = (await c.get(sent.headers["location"])).text
        assert "Gönderiliyor: 3 / 4" in report
        for label, n in (
            ("Gönderildi", 1),
            ("Bekliyor", 1),
            ("Ulaşılamadı", 1),
            ("WhatsApp 24 saat dışı, şablon yok", 1),
        ):
            assert f"<th>{label}</th><td>{n}</td>" in report
    rows = {r["user_key"]: json.loads(r["payload"]) for u in USERS for r in await rig.outbox(u)}
    assert rows[USERS[0]] == {"course": course, "text": "Yarın ders yok."}
    assert len(rows) == 4
    [row] = await rig.audit("announcement")
    assert row.detail["queued"] == 4


async def test_centre_staff_announce_only_to_their_centres(rig: Rig) -> None:
    centre, course = await _course_with_trainees(rig)
    other = (await rig.centres())[1]
    await rig.add_staff("can@mf.test", role="centre", centres=(other,))
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        page = (await c.get("/announcements")).text
        assert f"course:{course}" not in page
        assert 'value="all"' not in page
        token = await form_token(c, "/announcements")
        for audience in (f"course:{course}", f"centre:{centre}", "all", "branch:x"):
            refused = await c.post(
                "/announcements/preview",
                data={"csrf": token, "audience": audience, "text": "Merhaba"},
            )
            assert refused.status_code == 400
            assert "gönderemezsiniz" in refused.text
        empty = await c.post(
            "/announcements/send", data={"csrf": token, "audience": f"centre:{other}", "text": " "}
        )
        assert empty.status_code == 400
        assert "boş olamaz" in empty.text
    assert await rig.audit("announcement") == []


async def test_a_centre_and_all_trainees_use_the_general_wording(rig: Rig) -> None:
    centre, _ = await _course_with_trainees(rig)
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        token = await form_token(c, "/announcements")
        for audience in (f"centre:{centre}", "all"):
            form = {"csrf": token, "audience": audience, "text": "Bayram tatili."}
            page = (await c.post("/announcements/preview", data=form)).text
            assert '<strong id="recipients">4</strong>' in page
            assert "Meslek Fabrikası duyurusu: Bayram tatili." in page
        missing = await c.post(
            "/announcements/preview",
            data={"csrf": token, "audience": "branch:no-such", "text": "x"},
        )
        assert missing.status_code == 400
