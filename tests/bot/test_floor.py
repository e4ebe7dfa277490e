"""English and Arabic messages get the floor answer in their language; Turkish stays Turkish."""

from __future__ import annotations

import pytest

from locales.floor import FloorContentError, load_floor, parse_floor
from nlu.language import detect_language
from tests.bot.conftest import Chat
from tests.bot.test_apply import reach_name_question, state


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("are the courses only in turkish?", "en"),
        ("can i talk to a real person please", "en"),
        ("free courses", "en"),
        ("هل يمكنني التسجيل بدون إقامة؟", "ar"),
        ("online kurs var mı", "tr"),
        ("barista kursu var mi", "tr"),
        ("İngilizce kursu var mı", "tr"),
        ("ok teşekkürler", "tr"),
        ("merhaba", "tr"),
        ("🙂🙂", "tr"),
        ("", "tr"),
    ],
)
def test_language_of_a_message(text: str, language: str) -> None:
    assert detect_language(text) == language


async def test_an_english_question_gets_an_english_answer_with_buttons(chat: Chat) -> None:
    replies = await chat.say("i am from syria, can i join a sewing course here")
    text = replies[0].text
    assert "free vocational training" in text
    assert "ALO 153" in text
    assert "Giyim Üretimi" in text  # the course the glossary found, with its dates
    labels = [b.label for b in replies[0].buttons]
    assert labels == ["Courses", "Apply", "Talk to a person"]


async def test_an_arabic_question_about_a_course_gets_its_dates_in_arabic(chat: Chat) -> None:
    replies = await chat.say("متى تبدأ دورة الباريستا؟")
    text = replies[0].text
    assert "Barista" in text
    assert "ديسمبر" in text or "يناير" in text or "فبراير" in text
    assert "153" in text


async def test_the_floor_buttons_lead_into_the_turkish_journeys(chat: Chat) -> None:
    await chat.say("how do i apply")
    await chat.press_label("Courses")
    assert "kurs" in chat.texts().lower()


async def test_a_form_in_progress_is_not_interrupted_by_the_language_check(chat: Chat) -> None:
    await reach_name_question(chat)
    await chat.say("Mary Anne Brown")
    assert "free vocational" not in chat.texts()
    assert await state(chat) != "apply:ask_name"


def test_floor_content_is_complete_and_checked() -> None:
    content = load_floor()
    assert set(content.languages) == {"en", "ar"}
    assert content.words["pastry"] == "pastacılık"
    with pytest.raises(FloorContentError, match="en: missing about"):
        parse_floor({"en": {}})
