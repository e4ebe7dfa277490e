"""Applying by chat through the real engine and SQLite: the happy path and every refusal."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import func, select

from bot.app import build_assistant
from core.messages import Incoming, Kind
from storage import tables as t
from tests.bot.conftest import Chat, copy_seeded, make_settings
from tests.idnumbers import VALID_ID


async def count(chat: Chat, table: t.Table) -> int:  # type: ignore[name-defined]
    async with chat.assistant.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def state(chat: Chat) -> str | None:
    async with chat.assistant.db.read() as conn:
        row = await conn.execute(
            select(t.conversations.c.state).where(t.conversations.c.user_key == chat.user)
        )
        return row.scalar_one_or_none()


async def reach_name_question(
    chat: Chat, branch_words: str = "barista kursuna başvurmak istiyorum"
) -> None:
    await chat.say(branch_words)
    await chat.press_first("apply_course")
    assert "onay" in chat.texts().lower()
    await chat.press_first("consent")  # the first consent button is "Onaylıyorum"
    assert await state(chat) == "apply:ask_name"


async def test_full_application_with_typos_corrections_and_a_question(chat: Chat) -> None:
    await chat.say("merhaba")
    assert chat.last
    assert chat.last[0].buttons
    await reach_name_question(chat)
    await chat.say("kurslar ücretli mi?")  # a question in the middle of the form
    assert "ücretsiz" in chat.texts().lower()
    assert "adınız" in chat.last[-1].text.lower()  # ...and the pending question again
    await chat.say("ayşe yılmaz")
    assert await state(chat) == "apply:ask_birth_date"  # eligibility before the national id
    await chat.say("30.02.1998")
    assert await state(chat) == "apply:ask_birth_date"
    await chat.say("12 mayis 1998")
    assert await state(chat) == "apply:ask_national_id"
    await chat.say("12345678951")
    assert "geçerli bir" in chat.texts()
    await chat.say(VALID_ID)
    await chat.say("+49 151 23456789")
    assert "Türkiye" in chat.texts()
    await chat.say("0532 123 45 67")
    await chat.say("karsyaka")  # a typo in the district
    assert await state(chat) == "apply:ask_education"
    await chat.say("lise")
    await chat.say("geç")
    assert await state(chat) == "apply:confirm"
    summary = chat.last[-1].text
    assert "Ayşe Yılmaz" in summary
    assert "12*******50" in summary
    assert VALID_ID not in summary
    assert "Karşıyaka" in summary
    await chat.press_label("Düzelt")
    await chat.press_label("Telefon")
    await chat.say("0533 765 43 21")
    assert await state(chat) == "apply:confirm"
    assert "+905337654321" in chat.last[-1].text
    await chat.press_label("Gönder")
    assert "MF-" in chat.texts()
    assert await count(chat, t.applications) == 1
    assert await state(chat) is None


async def test_export_masks_the_id_and_normalises_the_phone(chat: Chat, tmp_path: Path) -> None:
    await test_full_application_with_typos_corrections_and_a_question(chat)
    from bot.app import open_vault
    from storage.exports import applications_json
    from storage.staff_repo import application_rows

    async with chat.assistant.db.read() as conn:
        rows = await application_rows(
            conn, open_vault(chat.assistant.settings), chat.assistant.settings.tz
        )
    exported = json.loads(applications_json(rows))
    assert exported[0]["national_id"] == "12*******50"
    assert exported[0]["phone"] == "+905337654321"
    assert exported[0]["status"] == "pending"
    assert exported[0]["number"].startswith("MF-")


async def test_each_bad_answer_is_refused_and_nothing_is_saved(chat: Chat) -> None:
    await reach_name_question(chat)
    await chat.say("Ali Veli")
    for text in ("01.01.2090", "31.04.2000", "dün"):
        await chat.say(text)
        assert await state(chat) == "apply:ask_birth_date", text
    await chat.say("01.01.2000")
    refusals = {
        "12345678951": "geçerli bir",  # wrong checksum
        "1234567895": "10 rakam",  # 10 digits
        "bilmiyorum abc": "rakam",  # letters
    }
    for text, expected in refusals.items():
        await chat.say(text)
        assert expected in chat.texts(), (text, chat.texts())
        assert await state(chat) == "apply:ask_national_id"
    await chat.say(VALID_ID)
    await chat.say("+1 202 555 0143")
    assert await state(chat) == "apply:ask_phone"
    await chat.say("05321234567")
    await chat.say("Kadıköy")
    assert "bulamadım" in chat.texts()
    assert await state(chat) == "apply:ask_district"
    assert await count(chat, t.applications) == 0


async def test_too_young_is_refused(chat: Chat) -> None:
    await reach_name_question(chat)
    await chat.say("Can Demir")
    await chat.say("01.01.2020")  # refused before the national id is asked
    assert "yaşında olmak" in chat.texts()
    assert await state(chat) is None
    assert await count(chat, t.applications) == 0


async def test_refused_consent_stores_nothing(chat: Chat) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    await chat.press_first("apply_course")
    await chat.press_label("Onaylamıyorum")
    assert "kaydedilmedi" in chat.texts()
    assert await state(chat) is None
    assert await count(chat, t.applications) == 0


async def test_the_form_resumes_after_a_restart(tmp_path: Path, seeded_db: Path) -> None:
    copy_seeded(seeded_db, tmp_path)
    settings = make_settings(tmp_path)
    first = await build_assistant(settings)
    chat = Chat(first)
    await reach_name_question(chat)
    await chat.say("Zeynep Kaya")
    await first.close()  # the process ends in the middle of the form

    second = await build_assistant(settings)
    try:
        chat = Chat(second)
        await chat.say("12.05.1998")
        assert await state(chat) == "apply:ask_national_id"
        assert "kimlik numaranızı" in chat.texts()
    finally:
        await second.close()


async def test_two_taps_at_once_are_handled_one_after_the_other(chat: Chat) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    await chat.press_first("apply_course")
    consent = next(b.data for r in chat.last for b in r.buttons if b.data.endswith("|y"))
    engine = chat.assistant.engine
    tap = Incoming(user=chat.user, kind=Kind.BUTTON, data=consent)
    first, second = await asyncio.gather(engine.handle(tap), engine.handle(tap))
    texts = [r.text for r in first + second]
    assert sum("Adınız" in x for x in texts) == 1  # one tap moved the form on
    assert sum("eski bir mesajdan" in x for x in texts) == 1  # the other was seen as stale
    assert await state(chat) == "apply:ask_name"


async def test_a_button_from_an_old_message_gets_a_polite_answer(chat: Chat) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    old = next(b.data for r in chat.last for b in r.buttons if b.data.startswith("apply_course"))
    await chat.press(old)
    await chat.press_first("consent")
    await chat.press(old)
    assert "eski bir mesajdan" in chat.texts()
    await chat.press("garbage|||")
    assert "eski bir mesajdan" in chat.texts()
    assert await state(chat) == "apply:ask_name"


async def test_iptal_inside_the_form_asks_first_and_is_never_a_name(chat: Chat) -> None:
    await reach_name_question(chat)
    await chat.say("iptal")
    assert "kapatılsın mı" in chat.texts()
    await chat.press_label("Hayır")
    assert await state(chat) == "apply:ask_name"
    await chat.say("iptal")
    await chat.press_label("Evet")
    assert await state(chat) is None
    assert await count(chat, t.applications) == 0


async def test_geri_goes_back_one_question(chat: Chat) -> None:
    await reach_name_question(chat)
    await chat.say("Ali Veli")
    await chat.say("geri")
    assert await state(chat) == "apply:ask_name"


async def test_a_huge_message_and_emoji_change_nothing(chat: Chat) -> None:
    await reach_name_question(chat)
    await chat.say("a" * 10_000)
    await chat.say("😀😀😀")
    assert await state(chat) == "apply:ask_name"
    assert chat.last


async def test_a_redelivered_message_is_handled_once_even_after_a_restart(
    tmp_path: Path, seeded_db: Path
) -> None:
    copy_seeded(seeded_db, tmp_path)
    settings = make_settings(tmp_path)
    first = await build_assistant(settings)
    msg = Incoming(user="telegram:7", text="barista kursuna başvurmak istiyorum", message_id="m1")
    try:
        assert await first.engine.handle(msg)
        assert await first.engine.handle(msg) == []  # the same delivery again
    finally:
        await first.close()
    second = await build_assistant(settings)  # nothing remembered in memory now
    try:
        assert await second.engine.handle(msg) == []
        chat = Chat(second, user="telegram:7")
        assert await state(chat) == "apply:choose_course"
    finally:
        await second.close()


async def test_a_question_is_remembered_without_a_write_of_its_own(
    tmp_path: Path, seeded_db: Path
) -> None:
    """A turn that changes nothing leaves its id to the shared log: written shortly after,
    and a redelivery after a restart is still answered only once."""
    copy_seeded(seeded_db, tmp_path)
    settings = make_settings(tmp_path)
    first = await build_assistant(settings)
    user = "telegram:8"
    try:
        await first.engine.handle(Incoming(user=user, text="merhaba", message_id="m0"))
        question = Incoming(user=user, text="kurslar ücretli mi", message_id="q1")
        assert "ücretsiz" in (await first.engine.handle(question))[0].text.lower()
        await asyncio.sleep(0.2)  # the log writes within a few milliseconds
        async with first.db.read() as conn:
            ids = (
                await conn.execute(
                    select(t.processed_messages.c.message_id).where(
                        t.processed_messages.c.user_key == user
                    )
                )
            ).scalars()
            assert sorted(ids) == ["m0", "q1"]
            # A greeting leaves no journey: no conversation row is written for it.
            stored = await conn.execute(
                select(func.count())
                .select_from(t.conversations)
                .where(t.conversations.c.user_key == user)
            )
            assert stored.scalar_one() == 0
        assert await first.engine.handle(question) == []  # the same delivery, same process
    finally:
        await first.close()
    second = await build_assistant(settings)
    try:
        assert await second.engine.handle(question) == []  # ...and after a restart
        again = Incoming(user=user, text="kurslar ücretli mi", message_id="q2")
        assert "ücretsiz" in (await second.engine.handle(again))[0].text.lower()
    finally:
        await second.close()
