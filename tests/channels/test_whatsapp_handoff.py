"""A conversation handed to a person, on WhatsApp: the assistant stands back, DUR still
reaches the channel, and staff's answer is a `handoff` push bound by the 24-hour window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.messages import Reply
from storage import tables as t
from tests.channels.test_whatsapp import Person, WhatsApp, ayse, set_last_inbound, wa

__all__ = ["ayse", "wa"]  # the fixtures, used by name


async def test_a_person_answers_on_whatsapp_within_the_window(wa: WhatsApp, ayse: Person) -> None:
    [opened] = await ayse.say("yetkili ile görüşmek istiyorum")
    assert "yetkiliye bağladım" in opened.text
    [held] = await ayse.say("Sertifika veriliyor mu? Numaram 0532 123 45 67")
    assert "yetkiliye ilettim" in held.text
    async with wa.assistant.db.read() as conn:
        kept = (await conn.execute(select(t.inbox_messages.c.text))).scalars().all()
    assert kept == ["Sertifika veriliyor mu? Numaram **** *** ** 67"]
    answer = [Reply("Yetkilinin yanıtı:\nEvet, kurs sonunda verilir.")]
    assert await wa.channel.push(ayse.key, answer, "handoff") == "sent"
    await set_last_inbound(wa, ayse.key, timedelta(hours=25))
    # no `handoff` template configured here: outside the window the answer cannot go
    assert await wa.channel.push(ayse.key, answer, "handoff") == "skipped_window"
    [stopped] = await ayse.say("DUR")  # answered by the channel, not held for the person
    assert "BAŞLA" in stopped.text
