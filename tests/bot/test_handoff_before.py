"""What staff see of the conversation before a handoff: the citizen's last lines and the
assistant's answers of the last hour, every digit masked, marked as said before; nothing typed
into a form; gone with "verilerimi sil", from the inbox and from the engine's memory."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.engine import SAID_FOR, SAID_KEPT
from storage import tables as t
from tests.bot.conftest import Chat
from tests.bot.test_apply import count, reach_name_question


async def _lines(chat: Chat) -> list[tuple[str, str, datetime]]:
    async with chat.assistant.db.read() as conn:
        m = t.inbox_messages.c
        rows = await conn.execute(select(m.sender, m.text, m.at).order_by(m.id))
        return [(r.sender, r.text, r.at) for r in rows]


async def test_staff_see_the_masked_lines_before_the_handoff_and_erasure_takes_them(
    chat: Chat,
) -> None:
    await chat.say("kurslar ücretli mi")
    cost = chat.last[0].text
    await chat.say("kızım 15 yaşında, 12345678901 ile başvurabilir mi")
    await reach_name_question(chat)
    await chat.say("Ayşe Yılmaz")  # typed into the form: never kept
    await chat.say("yetkili ile görüşmek istiyorum")
    assert "yetkiliye bağladım" in chat.texts()
    await chat.say("merhaba, orada mısınız?")
    lines = await _lines(chat)
    senders = [s for s, _, _ in lines]
    before = [(s, text) for s, text, _ in lines if s.startswith("before_")]
    assert senders[: len(before)] == [s for s, _ in before]  # first, in the order said
    assert senders[len(before) :] == ["citizen"]
    assert before[0] == ("before_in", "kurslar ücretli mi")
    assert before[1][0] == "before_out"
    assert before[1][1] == " ".join(cost.split())[:300]
    assert ("before_in", "kızım ## yaşında, ########### ile başvurabilir mi") in before
    assert ("before_in", "barista kursuna başvurmak istiyorum") in before
    kept = " ".join(text for _, text in before)
    assert "Ayşe" not in kept
    assert not any(ch.isdigit() for ch in kept)
    assert all(at <= lines[-1][2] for _, _, at in lines)

    await chat.say("verilerimi sil")
    await chat.press_label("Evet")
    assert "silindi" in chat.texts()
    assert await count(chat, t.inbox_messages) == 0
    assert chat.assistant.engine._said_within(chat.user, chat.assistant.engine.clock()) == ()
    await chat.say("yetkili ile görüşmek istiyorum")  # a new conversation starts bare
    assert [s for s, _, _ in await _lines(chat)] == []


async def test_only_the_last_lines_of_the_last_hour_are_carried(chat: Chat) -> None:
    engine = chat.assistant.engine
    start = engine.clock()
    engine.clock = lambda: start
    await chat.say("sertifika veriliyor mu")
    engine.clock = lambda: start + SAID_FOR + timedelta(minutes=1)
    for n in range(SAID_KEPT):
        await chat.say(["kurslar ücretli mi", "kaç yaşında başvurabilirim"][n % 2])
    await chat.say("yetkili ile görüşmek istiyorum")
    before = [(s, text) for s, text, _ in await _lines(chat) if s.startswith("before_")]
    assert len(before) == SAID_KEPT
    assert "sertifika veriliyor mu" not in [text for _, text in before]  # over an hour ago
    assert before[-1][0] == "before_out"
