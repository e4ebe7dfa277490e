"""Trainees from the desk: import, linking by their own number, their classes, reminder choice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import open_vault
from core.messages import Incoming, Kind
from storage import tables as t
from storage.trainees import TraineeFileError, read_trainees, store_trainees
from tests.bot.conftest import Chat
from tests.bot.test_apply import count
from tests.idnumbers import VALID_ID


async def _a_course_with_sessions(chat: Chat) -> str:
    async with chat.assistant.db.read() as conn:
        row = (
            await conn.execute(
                select(t.sessions.c.course_id)
                .where(t.sessions.c.starts_at > chat.assistant.engine.clock())
                .order_by(t.sessions.c.starts_at)
                .limit(1)
            )
        ).one()
    return str(row.course_id)


async def _import(chat: Chat, tmp_path: Path, course: str) -> tuple[int, int, int]:
    file = tmp_path / "kursiyerler.yaml"
    file.write_text(
        "trainees:\n"
        f"  - {{course: {course}, full_name: Ayşe Yılmaz, phone: '0532 123 45 67',"
        f" national_id: '{VALID_ID}'}}\n"
        f"  - {{course: {course}, full_name: Can Demir, phone: '+905331112233'}}\n",
        encoding="utf-8",
    )
    trainees = read_trainees(file, set(chat.assistant.engine.catalog.courses))
    async with chat.assistant.db.write() as conn:
        return await store_trainees(
            conn, trainees, open_vault(chat.assistant.settings), chat.assistant.engine.clock()
        )


async def test_a_bad_trainee_file_lists_every_problem(chat: Chat, tmp_path: Path) -> None:
    file = tmp_path / "bozuk.csv"
    file.write_text(
        "course,full_name,phone,national_id\n"
        "yok-boyle-kurs,Ayşe Yılmaz,05321234567,\n"
        f"{await _a_course_with_sessions(chat)},Can,123,12345678951\n",
        encoding="utf-8",
    )
    with pytest.raises(TraineeFileError) as info:
        read_trainees(file, set(chat.assistant.engine.catalog.courses))
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 4
    assert any("satır 2" in p and "yok-boyle-kurs" in p for p in problems)
    assert any("satır 3" in p and "phone" in p for p in problems)
    found = {(p.file, p.sheet, p.row, p.column) for p in info.value.problems}
    assert ("bozuk.csv", None, 3, "national_id") in found
    assert await count(chat, t.enrolments) == 0


async def test_desk_trainee_links_by_sharing_their_own_number(chat: Chat, tmp_path: Path) -> None:
    course = await _a_course_with_sessions(chat)
    assert await _import(chat, tmp_path, course) == (2, 0, 0)
    assert await _import(chat, tmp_path, course) == (0, 2, 0)  # importing again adds nothing
    chat.user = "telegram:5551"
    await chat.say("derslerim")
    assert chat.last[-1].ask == "contact"
    engine = chat.assistant.engine
    # A forwarded card (not the sender's own number) links nobody.
    forwarded = Incoming(user=chat.user, kind=Kind.CONTACT, phone="05321234567")
    chat.last = await engine.handle(forwarded)
    assert "kendi numaranızı" in chat.texts()
    own = Incoming(user=chat.user, kind=Kind.CONTACT, phone="+90 532 123 45 67", phone_is_own=True)
    chat.last = await engine.handle(own)
    assert "Kaydınızı buldum" in chat.texts()
    assert "Sıradaki dersleriniz" in chat.texts()
    assert any(r.location is not None for r in chat.last)
    assert "Can Demir" not in chat.texts()  # never anyone else's data
    async with chat.assistant.db.read() as conn:
        linked = (
            await conn.execute(select(t.enrolments.c.full_name, t.enrolments.c.user_key))
        ).all()
    assert sorted(linked) == [("Ayşe Yılmaz", "telegram:5551"), ("Can Demir", None)]


async def test_whatsapp_trainee_is_linked_by_the_number_they_write_from(
    chat: Chat, tmp_path: Path
) -> None:
    await _import(chat, tmp_path, await _a_course_with_sessions(chat))
    chat.user = "whatsapp:905331112233"
    await chat.say("bir sonraki dersim ne zaman")
    assert "Sıradaki dersleriniz" in chat.texts()


async def test_reminders_can_be_switched_off_and_on(chat: Chat) -> None:
    await chat.say("hatırlatma ayarları")
    assert "açık" in chat.texts()
    await chat.press_label("kapat")
    assert "kapattım" in chat.texts()
    async with chat.assistant.db.read() as conn:
        pref = (
            await conn.execute(select(t.users.c.reminders).where(t.users.c.key == chat.user))
        ).scalar_one()
    assert pref == "off"
    await chat.say("hatırlatmalar")
    await chat.press_label("aç")
    assert "açtım" in chat.texts()


async def test_i_cannot_come_tomorrow_also_gets_the_absence_rule(chat: Chat) -> None:
    await chat.say("yarın doktora gidicem derse gelemem")
    assert "telefon numaranızı" in chat.texts()  # to find their class
    assert "devamsızlık" in chat.texts()  # and the rule, in the same answer
