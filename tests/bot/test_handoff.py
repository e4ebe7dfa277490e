"""A conversation handed to a person: opened from chat, routed to the centre in focus, the
citizen's messages kept (masked) while the assistant stands back, staff's answer and close
through the outbox, what still reaches the assistant, leaving, and erasure."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot import inbox
from storage import tables as t
from storage.crypto import IdVault
from tests.bot.conftest import Chat
from tests.bot.test_apply import count, reach_name_question, state
from tests.idnumbers import VALID_ID

HELD = "yetkiliye ilettim"


async def _threads(chat: Chat) -> list[dict[str, Any]]:
    async with chat.assistant.db.read() as conn:
        rows = await conn.execute(select(t.inbox_threads).order_by(t.inbox_threads.c.id))
        return [dict(r) for r in rows.mappings()]


async def _lines(chat: Chat) -> list[tuple[str, str]]:
    async with chat.assistant.db.read() as conn:
        m = t.inbox_messages.c
        rows = await conn.execute(select(m.sender, m.text).order_by(m.id))
        return [(r.sender, r.text) for r in rows]


def _vault(chat: Chat) -> IdVault:
    return chat.assistant.engine.vault


async def test_a_person_answers_and_closes_while_the_assistant_stands_back(chat: Chat) -> None:
    await chat.say("yetkili ile görüşmek istiyorum")
    assert "yetkiliye bağladım" in chat.texts()
    [thread] = await _threads(chat)
    assert thread["status"] == "open"
    assert thread["centre_id"] is None
    await chat.say(f"Kimliğim {VALID_ID}, telefonum 0532 123 45 67; kurs ne zaman başlıyor?")
    assert HELD in chat.texts()
    await chat.say("kurslar")  # would list courses; a person answers instead
    assert HELD in chat.texts()
    lines = await _lines(chat)
    assert [s for s, _ in lines] == ["citizen", "citizen"]
    kept = lines[0][1]
    assert VALID_ID not in kept
    assert "123 45" not in kept
    assert "kurs ne zaman" in kept
    assert "67" in kept  # the last two digits stay, for staff to tell numbers apart

    now = chat.assistant.engine.clock()
    async with chat.assistant.db.write() as conn:
        await inbox.answer(
            conn, _vault(chat), now, None, thread["id"], "Ocakta başlıyor.", actor="ayse@mf.test"
        )
    async with chat.assistant.db.read() as conn:
        queued = (await conn.execute(select(t.outbox).where(t.outbox.c.kind == "handoff"))).one()
    assert queued.user_key == chat.user
    assert json.loads(queued.payload)["values"]["text"] == "Ocakta başlıyor."
    assert (await _threads(chat))[0]["waiting_since"] is None

    async with chat.assistant.db.write() as conn:
        await inbox.close(conn, _vault(chat), now, None, thread["id"], actor="ayse@mf.test")
    assert (await _threads(chat))[0]["status"] == "closed"
    await chat.say("kurslar")  # the assistant answers again
    assert HELD not in chat.texts()
    assert chat.last
    assert chat.last[0].buttons
    assert len(await _lines(chat)) == 4  # 2 citizen lines, the answer, the close note


async def test_closed_thread_takes_no_answer(chat: Chat) -> None:
    await chat.say("yetkili ile görüşmek istiyorum")
    await chat.say("asistana dön")
    assert "yeniden ben" in chat.texts()
    [thread] = await _threads(chat)
    assert thread["status"] == "closed"
    now = chat.assistant.engine.clock()
    with pytest.raises(inbox.InboxError, match="kapanmış"):
        async with chat.assistant.db.write() as conn:
            await inbox.answer(conn, _vault(chat), now, None, thread["id"], "x", actor="a@b.c")
    await chat.say("kurslar")
    assert HELD not in chat.texts()


async def test_centre_staff_only_reach_their_centres_threads(chat: Chat) -> None:
    await reach_name_question(chat)  # a form for a course: its centre answers
    for _ in range(3):  # a form that keeps failing offers "bir yetkiliye ulaşın"
        await chat.say("?")
    await chat.press_label("yetkili")
    [thread] = await _threads(chat)
    assert thread["centre_id"] is not None
    assert "apply:ask_name" in thread["context"]
    assert await state(chat) is None  # the form was left
    now = chat.assistant.engine.clock()
    other = frozenset({"no-such-centre"})
    with pytest.raises(LookupError):  # another centre's staff
        async with chat.assistant.db.write() as conn:
            await inbox.answer(conn, _vault(chat), now, other, thread["id"], "x", actor="a@b.c")
    own = frozenset({thread["centre_id"]})
    async with chat.assistant.db.write() as conn:
        done = await inbox.answer(conn, _vault(chat), now, own, thread["id"], "Merhaba", actor="a")
    assert done.told


async def test_reminder_answers_erasure_and_callbacks_still_reach_the_assistant(
    chat: Chat,
) -> None:
    await chat.say("yetkili ile görüşmek istiyorum")
    await chat.press("att|no-such-session|y")  # an RSVP button: its own handler answers
    assert HELD not in chat.texts()
    await chat.press("ask|list_courses")  # any other button: the person answers
    assert "yetkiliyle yazışıyorsunuz" in chat.texts()
    await chat.say("dur")
    assert HELD not in chat.texts()
    await chat.say("verilerimi sil")
    assert "geri alınamaz" in chat.texts()
    await chat.press_label("Vazgeç")
    await chat.say("bir şey daha soracağım")  # still with a person
    assert HELD in chat.texts()
    await chat.say("verilerimi sil")
    await chat.press_label("Evet")
    assert "silindi" in chat.texts()
    assert await count(chat, t.inbox_threads) == 0
    assert await count(chat, t.inbox_messages) == 0


async def test_a_callback_request_leaves_the_conversation_with_a_person(chat: Chat) -> None:
    await chat.say("yetkili ile görüşmek istiyorum")
    await chat.press_label("arasınlar")
    assert (await _threads(chat))[0]["status"] == "closed"
    await chat.say("Kursa engelli erişimi var mı?")
    await chat.say("0532 123 45 67")
    assert "kaydedildi" in chat.texts()


@pytest.mark.parametrize(
    ("ask", "opened", "leave", "left"),
    [
        ("I want to talk to a person", "connected you", "back to the assistant", "helping you"),
        ("أريد التحدث مع موظف", "وصلتك", "العودة إلى المساعد", "أساعدك"),
    ],
)
async def test_a_handoff_in_english_and_arabic_is_opened_and_left_in_that_language(
    chat: Chat, ask: str, opened: str, leave: str, left: str
) -> None:
    await chat.say(ask)
    assert opened in chat.texts()
    [thread] = await _threads(chat)
    assert thread["status"] == "open"
    await chat.say(leave)
    assert left in chat.texts()
    assert (await _threads(chat))[0]["status"] == "closed"
