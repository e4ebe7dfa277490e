"""The topic in focus: follow-ups about the course just shown, stored, expiring, cheap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app import build_assistant
from core.messages import Incoming, Kind
from storage import tables as t
from tests.bot.conftest import Chat, copy_seeded, make_settings
from tests.bot.test_apply import state

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
WEEKEND = {"sat", "sun"}


async def _conversation_written_at(chat: Chat) -> datetime | None:
    async with chat.assistant.db.read() as conn:
        row = await conn.execute(
            select(t.conversations.c.updated_at).where(t.conversations.c.user_key == chat.user)
        )
        return row.scalar_one_or_none()


def _clock(chat: Chat, at: datetime) -> None:
    chat.assistant.engine.clock = lambda: at


async def test_when_and_where_after_a_course_card_are_about_that_course(chat: Chat) -> None:
    _clock(chat, NOW)
    await chat.say("barista kursu var mı")
    when = await chat.say("ne zaman başlıyor")
    assert "Barista" in when[0].text
    assert "İlk ders" in when[0].text
    where = await chat.say("nerede")
    assert "Barista" in where[0].text
    assert "Kurs Merkezi" in where[0].text


async def test_weekend_follow_up_narrows_the_course_in_focus(chat: Chat) -> None:
    _clock(chat, NOW)
    await chat.say("barista kursu")
    replies = await chat.say("hafta sonu olanı var mı")
    assert "Barista" in replies[0].text
    assert "Cumartesi" in replies[0].text


async def test_apply_to_this_starts_the_form_for_the_course_in_focus(chat: Chat) -> None:
    _clock(chat, NOW)
    await chat.say("giyim üretimi kursu hakkında bilgi")
    await chat.say("tamam buna başvurayım")
    assert "Giyim Üretimi" in chat.texts()
    assert "Hangi kursa" not in chat.texts()


async def test_a_follow_up_on_the_same_topic_writes_nothing(chat: Chat) -> None:
    _clock(chat, NOW)
    await chat.say("barista kursu var mı")
    written = await _conversation_written_at(chat)
    assert written is not None
    _clock(chat, NOW + timedelta(minutes=2))
    await chat.say("ne zaman başlıyor")
    await chat.say("nerede")
    assert await _conversation_written_at(chat) == written


async def test_the_topic_expires_after_thirty_minutes_of_silence(chat: Chat) -> None:
    _clock(chat, NOW)
    await chat.say("barista kursu var mı")
    _clock(chat, NOW + timedelta(minutes=31))
    replies = await chat.say("ne zaman başlıyor")
    assert "Barista kursunun" not in replies[0].text


async def test_the_topic_survives_a_restart(tmp_path: Path, seeded_db: Path) -> None:
    copy_seeded(seeded_db, tmp_path)
    first = Chat(await build_assistant(make_settings(tmp_path)))
    try:
        _clock(first, NOW)
        await first.say("ileri excel kursu var mı")
    finally:
        await first.assistant.close()
    again = Chat(await build_assistant(make_settings(tmp_path)))
    try:
        _clock(again, NOW + timedelta(minutes=5))
        replies = await again.say("ne zaman başlıyor")
        assert "İleri Excel" in replies[0].text
        assert await state(again) is None
    finally:
        await again.assistant.close()


async def test_a_follow_up_with_no_topic_asks_which_course_with_buttons(chat: Chat) -> None:
    _clock(chat, NOW)
    replies = await chat.say("ne zaman başlıyor")
    assert "Hangi kursu soruyorsunuz" in replies[0].text
    assert replies[0].buttons


async def test_apply_after_one_offering_was_shown_takes_that_offering(chat: Chat) -> None:
    _clock(chat, NOW)
    await chat.say("barista kursu var mı")
    narrowed = await chat.say("hafta sonu olanı var mı")
    assert "Cumartesi" in narrowed[0].text
    await chat.say("tamam buna başvurayım")
    assert "Hangisini seçersiniz" not in chat.texts()
    assert await state(chat) is not None


async def test_after_which_course_a_follow_up_offers_the_same_choices(chat: Chat) -> None:
    _clock(chat, NOW)
    first = await chat.say("muhasebe kursu var mı")
    offered = [b.label for b in first[0].buttons]
    assert len(offered) > 1
    again = await chat.say("bu kurs kaç ay sürüyor")
    assert [b.label for b in again[0].buttons] == offered
    await chat.say("muhasebe kursu var mı")
    await chat.say("ona kayıt olmak istiyorum")
    assert [b.label for b in chat.last[0].buttons] == offered


async def test_the_choices_of_which_course_outlive_a_question_in_between(chat: Chat) -> None:
    _clock(chat, NOW)
    first = await chat.say("kuaförlük kursu var mı")
    offered = [b.label for b in first[0].buttons]
    assert len(offered) > 1
    await chat.say("ücreti ne kadar")
    await chat.say("ona nasıl başvururum")
    assert [b.label for b in chat.last[0].buttons] == offered


async def test_where_after_the_weekend_offering_gives_that_centres_address(chat: Chat) -> None:
    _clock(chat, NOW)
    await chat.say("barista kursu")
    weekend = await chat.say("hafta sonu olanı hangisi")
    assert "Cumartesi" in weekend[0].text
    offerings = [
        c
        for c in chat.assistant.engine.catalog.courses.values()
        if c.branch == "barista" and WEEKEND & set(c.weekdays) and c.starts_on >= NOW.date()
    ]
    centre = chat.assistant.engine.catalog.centers[offerings[0].center]
    where = await chat.say("orası tam olarak nerede")  # "orası" once read as "oya" (İğne Oyası)
    assert "Barista" in where[0].text
    assert "İğne Oyası" not in where[0].text
    assert centre.address in where[0].text  # the offering in focus, not every centre
    others = {chat.assistant.engine.catalog.centers[c.center].name for c in offerings[1:]}
    assert all(name not in where[0].text for name in others - {centre.name})


async def test_a_location_shared_after_a_course_card_finds_that_courses_centres(
    chat: Chat,
) -> None:
    await chat.say("pastacılık kursu")
    replies = await chat.assistant.engine.handle(
        Incoming(user=chat.user, kind=Kind.LOCATION, lat=38.46, lon=27.11)  # Karşıyaka
    )
    assert "Pastacılık" in replies[0].text
    holding = {
        c.center for c in chat.assistant.engine.catalog.courses.values() if c.branch == "pastacilik"
    }
    shown = [r.location for r in replies if r.location is not None]
    assert shown
    assert all(
        any(pin.title == chat.assistant.engine.catalog.centers[cid].name for cid in holding)
        for pin in shown
    )


async def test_how_long_or_how_many_seats_after_a_card_is_answered_without_the_card(
    chat: Chat,
) -> None:
    _clock(chat, NOW)
    card = (await chat.say("berberlik kursu açılacak mı"))[0].text
    branch = chat.assistant.engine.catalog.branches["erkek-berberligi"]
    hours = await chat.say("kaç saat sürer")
    assert hours[0].text == f"Erkek Berberliği toplam {branch.hours} saat sürüyor."
    seats = await chat.say("kaç kişilik yer kalmış")
    assert seats[0].text.startswith("Erkek Berberliği için kalan yerler:")
    assert "Kurs Merkezi" in seats[0].text
    assert len(seats[0].text) < len(card)  # the facts, not the card again
    assert [b.data for b in seats[0].buttons] == ["crs|erkek-berberligi"]  # the card, a tap away
    named = await chat.say("barista kursu kaç saat")  # a course named: its card
    assert "Barista" in named[0].text
    assert "Başvur" in chat.texts() or "başlıyor" in named[0].text
