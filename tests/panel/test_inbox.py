"""The inbox in the panel: open conversations in the reader's centres with how long each has
waited, a conversation's masked transcript, answers and closes (outbox, audit), bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from core.conversation import Said
from storage.repos import SqlStore
from tests.panel.rig import Rig, form_token, sign_in

pytestmark = pytest.mark.asyncio


async def _handoff(rig: Rig, user: str, centre: str | None, text: str) -> int:
    """A citizen's open conversation with one message, as the chat stores it."""
    async with rig.db.write() as conn:
        store = SqlStore(conn, rig.vault, rig.clock())
        await store.touch_user(user)
        thread = await store.open_handoff(user, centre, "Barista")
        assert await store.handoff_note(thread, user, text)
    return thread


async def test_staff_answer_and_close_in_their_centre_only(any_rig: Rig) -> None:
    rig = any_rig
    first, second = (await rig.centres())[:2]
    mine = await _handoff(rig, "telegram:5151", first, "Telefonum 0532 987 65 43, arar mısınız?")
    theirs = await _handoff(rig, "telegram:5252", second, "Başka merkezin sorusu")
    admins = await _handoff(rig, "whatsapp:905321112233", None, "Merkezsiz soru")
    rig.advance(timedelta(minutes=12))
    await rig.add_staff("can@mf.test", role="centre", centres=(first,))
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        listed = (await c.get("/inbox")).text
        assert f"/inbox/{mine}" in listed
        assert "12 dk bekliyor" in listed
        assert f"/inbox/{theirs}" not in listed
        assert f"/inbox/{admins}" not in listed
        assert (await c.get(f"/inbox/{theirs}")).status_code == 404
        page = (await c.get(f"/inbox/{mine}")).text
        assert "arar mısınız" in page
        assert "987 65" not in page
        assert "<textarea" in page
        assert "5151" not in page  # the user key shows masked
        token = await form_token(c, f"/inbox/{mine}")
        refused = await c.post(f"/inbox/{theirs}/answer", data={"csrf": token, "text": "x"})
        assert refused.status_code == 404
        empty = await c.post(f"/inbox/{mine}/answer", data={"csrf": token, "text": "  "})
        assert empty.status_code == 400
        assert "boş olamaz" in empty.text
        sent = await c.post(
            f"/inbox/{mine}/answer", data={"csrf": token, "text": "Yarın 10'da ararız."}
        )
        assert sent.status_code == 303
        page = (await c.get(sent.headers["location"])).text
        assert "Yarın 10&#39;da ararız." in page
        assert "sıraya alındı" in page
        assert "bekliyor" not in (await c.get("/inbox")).text
        closed = await c.post(f"/inbox/{mine}/close", data={"csrf": token})
        assert closed.status_code == 303
        assert f"/inbox/{mine}" not in (await c.get("/inbox")).text
        again = await c.post(f"/inbox/{mine}/answer", data={"csrf": token, "text": "x"})
        assert again.status_code == 400
        assert "kapanmış" in again.text
    pushed = [json.loads(m["payload"]) for m in await rig.outbox("telegram:5151")]
    assert pushed == [
        {"key": "push.handoff_answer", "values": {"text": "Yarın 10'da ararız."}},
        {"key": "push.handoff_closed"},
    ]
    assert await rig.outbox("telegram:5252") == []
    assert [(r.actor, r.target) for r in await rig.audit("inbox_answer")] == [
        ("can@mf.test", f"inbox:{mine}")
    ]
    assert len(await rig.audit("inbox_close")) == 1


async def test_admins_see_every_centre_and_the_unrouted(rig: Rig) -> None:
    first, second = (await rig.centres())[:2]
    threads = [
        await _handoff(rig, "telegram:1", first, "a"),
        await _handoff(rig, "telegram:2", second, "b"),
        await _handoff(rig, "telegram:3", None, "c"),
    ]
    await rig.add_staff("ayse@mf.test")
    async with rig.client() as c:
        await sign_in(c, "ayse@mf.test")
        listed = (await c.get("/inbox")).text
        assert all(f"/inbox/{n}" in listed for n in threads)
        assert "Yöneticiler" in listed
        token = await form_token(c, "/inbox")
        forged = await c.post(f"/inbox/{threads[0]}/close", data={"csrf": "x" * 43})
        assert forged.status_code == 403
        assert (await c.post("/inbox/abc/close", data={"csrf": token})).status_code == 404
    assert await rig.audit("inbox_close") == []


async def test_the_lines_before_the_handoff_are_shown_apart(any_rig: Rig) -> None:
    rig = any_rig
    first = (await rig.centres())[0]
    said = rig.clock() - timedelta(minutes=5)
    before = (
        Said(said, True, "barista kursu ne zaman, tel #### ### ## ##"),
        Said(said, False, "Barista kursu # Ocak'ta başlıyor."),
    )
    async with rig.db.write() as conn:
        store = SqlStore(conn, rig.vault, rig.clock())
        await store.touch_user("telegram:6161")
        thread = await store.open_handoff("telegram:6161", first, "Barista", before)
        assert await store.open_handoff("telegram:6161", first, "", before) == thread
        assert await store.handoff_note(thread, "telegram:6161", "orada mısınız?") == 1
    await rig.add_staff("can@mf.test", role="centre", centres=(first,))
    async with rig.client() as c:
        await sign_in(c, "can@mf.test")
        page = (await c.get(f"/inbox/{thread}")).text
    marker = page.index("Yetkiliye aktarılmadan önce")
    asked = page.index("barista kursu ne zaman, tel #### ### ## ##")
    answered = page.index("Barista kursu # Ocak&#39;ta başlıyor.")
    handed = page.index("Yetkiliye aktarıldı.")
    assert marker < asked < answered < handed < page.index("orada mısınız?")
    assert page.count("· aktarılmadan önce") == 2
    assert page.count('class="line-before_in"') == 1
    assert page.count('class="line-before_out"') == 1
