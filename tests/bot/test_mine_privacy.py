"""My applications, waiting list, staff decisions, reaching a person, and erasing my data."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from bot.app import open_vault
from core.messages import Incoming
from storage import tables as t
from storage.repos import SqlStore
from tests.bot.conftest import Chat
from tests.bot.test_apply import count, reach_name_question, state
from tests.idnumbers import OTHER_VALID_ID, VALID_ID


async def apply_quickly(chat: Chat, national_id: str = VALID_ID) -> str:
    """Completes an application with valid answers; returns its number."""
    await reach_name_question(chat)
    for answer in ("Ayşe Yılmaz", "12.05.1998", national_id, "05321234567", "Buca", "geç", "geç"):
        await chat.say(answer)
    await chat.press_label("Gönder")
    text = chat.texts()
    number = next(w for w in text.replace("\n", " ").split() if w.startswith("MF-"))
    return number.strip(".,")


async def test_my_applications_and_cancel_with_confirmation(chat: Chat) -> None:
    number = await apply_quickly(chat)
    await chat.say("başvurularım")
    assert number in chat.texts()
    assert "değerlendiriliyor" in chat.texts()
    await chat.say("başvurumu iptal et")
    assert "emin misiniz" in chat.texts()
    await chat.press_label("Evet")
    assert "iptal edildi" in chat.texts()
    await chat.say("başvuru durumu")
    assert "iptal edildi" in chat.texts()


async def test_same_person_cannot_apply_twice_to_one_course(chat: Chat) -> None:
    await apply_quickly(chat)
    await reach_name_question(chat)
    await chat.say("Ayşe Yılmaz")
    await chat.say("12.05.1998")
    await chat.say(VALID_ID)
    assert "zaten bir başvuru var" in chat.texts()
    assert await count(chat, t.applications) == 1


async def test_full_course_waitlists_and_a_cancellation_promotes(chat: Chat) -> None:
    first = await apply_quickly(chat)
    course = await _course_of(chat, first)
    async with chat.assistant.db.write() as conn:  # the course now has one seat, taken
        await conn.execute(update(t.courses).where(t.courses.c.id == course).values(capacity=1))
    await chat.assistant.reload_catalog()  # as after a catalog import
    other = Chat(chat.assistant, user="console:other")
    await reach_name_question(other)
    for answer in ("Mehmet Öz", "01.01.1990", OTHER_VALID_ID, "05331234567", "Konak", "geç", "geç"):
        await other.say(answer)
    await other.press_label("Gönder")
    assert "yedek liste" in other.texts()
    assert "1" in other.texts()
    # The first applicant cancels; the waiting one is promoted and told through the outbox.
    await chat.say("başvurumu iptal et")
    await chat.press_label("Evet")
    async with chat.assistant.db.read() as conn:
        rows = await conn.execute(select(t.applications.c.user_key, t.applications.c.status))
        statuses: dict[str, str] = {r.user_key: r.status for r in rows}
        queued = (await conn.execute(select(t.outbox.c.user_key, t.outbox.c.payload))).all()
    assert statuses == {"console:test": "cancelled", "console:other": "pending"}
    assert queued[0][0] == "console:other"
    assert json.loads(queued[0][1])["key"] == "apply.promoted"


async def _course_of(chat: Chat, number: str) -> str:
    async with chat.assistant.db.read() as conn:
        return str(
            (
                await conn.execute(
                    select(t.applications.c.course_id).where(t.applications.c.number == number)
                )
            ).scalar_one()
        )


async def test_staff_acceptance_enrols_and_queues_the_decision(chat: Chat) -> None:
    number = await apply_quickly(chat)
    vault = open_vault(chat.assistant.settings)
    async with chat.assistant.db.write() as conn:
        store = SqlStore(conn, vault, datetime.now(UTC))
        after = await store.set_status(number, "accepted", by="staff:test")
    assert after is not None
    assert after.status == "accepted"
    assert await count(chat, t.enrolments) == 1


async def test_talk_to_human_leaves_a_callback_request(chat: Chat) -> None:
    await chat.say("yetkili ile görüşmek istiyorum")
    assert "153" in chat.texts()
    await chat.press_label("arasınlar")
    await chat.say("Kursa engelli erişimi var mı?")
    await chat.say("0532 123 45 67")
    assert "kaydedildi" in chat.texts()
    assert await count(chat, t.callback_requests) == 1
    assert await state(chat) is None


async def test_after_erasing_no_row_carries_my_key_or_id_hash(chat: Chat) -> None:
    await apply_quickly(chat)
    await chat.say("verilerimi sil")
    assert "geri alınamaz" in chat.texts()
    await chat.press_label("Evet")
    assert "silindi" in chat.texts()
    id_hash = open_vault(chat.assistant.settings).hash(VALID_ID)
    async with chat.assistant.db.read() as conn:
        for table in t.metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                for value in row:
                    text = str(value)
                    assert chat.user not in text, (table.name, row)
                    assert id_hash not in text, (table.name, row)
    assert await count(chat, t.applications) == 0


async def test_ids_of_questions_just_before_erasing_are_not_kept(chat: Chat) -> None:
    """Questions answered moments before "verilerimi sil" leave no message id behind, even
    when their ids were still waiting to be written together with others."""
    engine = chat.assistant.engine
    for n, text in enumerate(("merhaba", "kurslar ücretli mi", "sertifika veriliyor mu")):
        await engine.handle(Incoming(user=chat.user, text=text, message_id=f"q{n}"))
    chat.last = await engine.handle(
        Incoming(user=chat.user, text="verilerimi sil", message_id="e1")
    )
    await chat.press_label("Evet")
    assert "silindi" in chat.texts()
    await engine.close()  # everything buffered is written now
    async with chat.assistant.db.read() as conn:
        left = await conn.execute(
            select(func.count())
            .select_from(t.processed_messages)
            .where(t.processed_messages.c.user_key == chat.user)
        )
        assert left.scalar_one() == 0


async def test_only_short_questions_are_remembered_and_erasure_forgets_them(chat: Chat) -> None:
    """The catalog remembers what short texts mean (a burst of new users writes much the same);
    never one with a number in it, never words typed into a form, and nothing after
    "verilerimi sil"."""
    catalog = chat.assistant.engine.catalog

    def remembered(text: str) -> bool:
        return catalog.understand(text, remember=False) is catalog.understand(text, remember=False)

    await chat.say("kurslar ücretli mi")
    await chat.say(f"TC numaram {VALID_ID} başvurum ne oldu")
    await chat.say("0532 123 45 67 numaralı telefonum")
    assert remembered("kurslar ücretli mi")
    assert not remembered(f"TC numaram {VALID_ID} başvurum ne oldu")
    assert not remembered("0532 123 45 67 numaralı telefonum")
    await reach_name_question(chat)
    await chat.say("sertifika veriliyor mu")  # a question in the middle of the form
    assert "adınız" in chat.last[-1].text.lower()
    assert not remembered("sertifika veriliyor mu")
    await chat.say("iptal")
    await chat.press_label("Evet")
    await chat.say("verilerimi sil")
    await chat.press_label("Evet")
    assert "silindi" in chat.texts()
    assert not remembered("kurslar ücretli mi")


async def test_verilerim_shows_what_is_stored_without_deleting(chat: Chat) -> None:
    number = await apply_quickly(chat)
    await chat.say("verilerim")
    # The data itself, not only counts: the application, the name, the id masked.
    assert number in chat.texts()
    assert "Ayşe Yılmaz" in chat.texts()
    assert VALID_ID[:2] + "*******" + VALID_ID[-2:] in chat.texts()
    assert VALID_ID not in chat.texts()
    assert "12 Mayıs 1998" in chat.texts()
    assert "geri alınamaz" not in chat.texts()
    assert await count(chat, t.applications) == 1


async def test_after_erasure_nothing_says_an_id_is_still_kept(chat: Chat) -> None:
    await apply_quickly(chat)
    await chat.say("verilerimi sil")
    await chat.press_label("Evet")
    await chat.say("verilerim")
    assert "kimlik" not in chat.texts().lower()
    assert "MF-" not in chat.texts()
