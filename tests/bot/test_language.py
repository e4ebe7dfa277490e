"""The user's language: chosen, detected or offered, kept on the user, and used throughout
(the menu, the form with its validation, the answers)."""

from __future__ import annotations

from sqlalchemy import select

from core.messages import Incoming
from storage import tables as t
from tests.bot.conftest import Chat
from tests.bot.test_apply import count, state
from tests.bot.test_form_answers import form_data
from tests.idnumbers import VALID_ID

ARABIC_ID = VALID_ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


async def stored_locale(chat: Chat) -> str | None:
    async with chat.assistant.db.read() as conn:
        row = await conn.execute(select(t.users.c.locale).where(t.users.c.key == chat.user))
        return row.scalar_one_or_none()


async def test_a_first_message_in_arabic_switches_to_arabic_and_keeps_it(chat: Chat) -> None:
    await chat.say("هل عندكم دورة باريستا؟")
    assert "Barista" in chat.texts()
    assert "دورة" in chat.texts() or "مواعيد" in chat.texts()
    assert await stored_locale(chat) == "ar"
    await chat.say("ok")  # a word of no language keeps Arabic
    await chat.say("menu")
    assert "ماذا تريد أن تفعل؟" in chat.texts()


async def test_ambiguous_words_never_switch(chat: Chat) -> None:
    for word in ("ok", "merhaba", "hello", "barista"):
        await chat.say(word)
    assert await stored_locale(chat) is None
    assert "Ne yapmak istersiniz?" in chat.texts() or "kurs" in chat.texts().lower()


async def test_the_language_menu_has_three_buttons_and_sets_the_language(chat: Chat) -> None:
    await chat.say("dil")
    assert [b.label for b in chat.last[0].buttons] == ["Türkçe", "English", "العربية"]
    await chat.press_label("English")
    assert "English from now on" in chat.texts()
    assert await stored_locale(chat) == "en"
    await chat.say("courses in Karsiyaka")
    assert "Karşıyaka" in chat.texts()
    assert "course" in chat.texts().lower()
    await chat.say("Türkçe")
    assert "Türkçe konuşalım" in chat.texts()
    assert await stored_locale(chat) == "tr"


async def test_a_chosen_language_is_only_offered_a_switch(chat: Chat) -> None:
    await chat.say("English")
    await chat.say("barista kursu ne zaman başlıyor")  # Turkish letters: surely Turkish
    assert "Barista" in chat.texts()
    assert "Türkçe devam etmek ister misiniz?" in chat.texts()
    assert await stored_locale(chat) == "en"
    await chat.press_label("Türkçe")
    assert await stored_locale(chat) == "tr"


async def test_telegrams_language_code_only_offers(chat: Chat) -> None:
    chat.user = "telegram:77"
    replies = await chat.assistant.engine.handle(
        Incoming(user=chat.user, text="/start", locale_hint="ar-SA")
    )
    chat.last = replies
    assert "Ne yapmak istersiniz?" in replies[0].text  # Turkish stays until the user says
    assert replies[-1].text == "هل تريد المتابعة بالعربية؟"
    assert await stored_locale(chat) is None
    await chat.press_label("العربية")
    assert await stored_locale(chat) == "ar"


async def test_a_whole_application_in_arabic(chat: Chat) -> None:
    await chat.say("أريد التسجيل في دورة باريستا")
    await chat.press_first("apply_course")
    assert "KVKK" in chat.texts()
    assert "هل توافق" in chat.texts()
    await chat.say("أوافق")
    assert await state(chat) == "apply:ask_name"
    await chat.say("أحمد حسن")  # not Latin letters: refused, in Arabic
    assert "بالحروف اللاتينية" in chat.texts()
    await chat.say("Ahmad Hasan")
    await chat.say("١٢.٠٥.١٩٩٨")  # Arabic-Indic digits
    assert await state(chat) == "apply:ask_national_id"
    await chat.say("١٢٣")
    assert "11 رقمًا" in chat.texts()
    await chat.say(ARABIC_ID)
    await chat.say("٠٥٣٢ ١٢٣ ٤٥ ٦٧")
    await chat.say("بوجا")  # the district in Arabic letters
    await chat.press_label("ثانوي")
    await chat.press_label("تخطَّ")
    assert await state(chat) == "apply:confirm"
    summary = chat.last[-1].text
    assert "راجع طلبك" in summary
    assert "\u2068Ahmad Hasan\u2069" in summary
    assert "+905321234567" in summary
    assert "\u2068Buca\u2069" in summary
    assert VALID_ID not in summary
    await chat.say("أرسل")
    assert "وصلنا طلبك" in chat.texts()
    assert "MF-" in chat.texts()
    assert await count(chat, t.applications) == 1


async def test_a_whole_application_in_english_with_a_foreign_residents_id(chat: Chat) -> None:
    from tests.idnumbers import make_national_id

    foreign_id = make_national_id("991234567")
    await chat.say("I would like to apply for the pastry course")
    await chat.press_first("apply_course")
    await chat.press_label("I agree")
    await chat.say("Mary Brown")
    await chat.say("03.04.1990")
    await chat.say(foreign_id)
    await chat.say("0532 123 45 67")
    await chat.say("Konak")
    await chat.say("skip")
    await chat.say("I'm working")
    assert await state(chat) == "apply:confirm"
    assert "Please check your application" in chat.last[-1].text
    await chat.press_label("Send")
    assert "Your application has been received" in chat.texts()
    assert await count(chat, t.applications) == 1


async def test_choosing_a_language_in_the_middle_of_the_form_asks_again_in_it(
    chat: Chat,
) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    await chat.press_first("apply_course")
    await chat.press_first("consent")
    assert await state(chat) == "apply:ask_name"
    await chat.say("English")
    assert "English from now on" in chat.last[0].text
    assert chat.last[-1].text == "What is your name and surname?"
    await chat.say("القائمة")  # the global words work in every language
    assert "ماذا تريد أن تفعل؟" not in chat.texts()  # still English: a word never switches
    assert "What would you like to do?" in chat.texts()


async def test_course_names_are_shown_translated_beside_the_turkish_name(chat: Chat) -> None:
    await chat.say("do you have a pastry course")
    assert "Pastry Making (Pastacılık)" in chat.last[0].text
    assert "Food and Beverage Services (Yiyecek İçecek Hizmetleri)" in chat.last[0].text
    await chat.say("هل عندكم دورة حلويات")  # chosen English: Arabic only offers
    assert chat.last[-1].text == "هل تريد المتابعة بالعربية؟"
    await chat.press_label("العربية")
    await chat.say("متى تبدأ دورة الحلويات")
    assert "صناعة الحلويات والمعجنات (\u2068Pastacılık\u2069)" in chat.texts()


async def test_erasure_asked_in_arabic_is_confirmed_in_arabic(chat: Chat) -> None:
    await chat.say("احذف بياناتي من فضلك")
    assert "هل أنت متأكد؟" in chat.texts()
    await chat.say("نعم")
    assert "حُذف كل ما يخصك" in chat.texts()
    assert await stored_locale(chat) is None  # the row, language included, is gone


async def test_never_mind_in_english_is_never_stored_as_the_name(chat: Chat) -> None:
    await chat.say("I would like to apply for the pastry course")
    await chat.press_first("apply_course")
    await chat.press_label("I agree")
    for words in ("never mind", "I changed my mind", "I don't want to continue"):
        await chat.say(words)
        assert "Close your application without saving it?" in chat.last[-1].text, words
        await chat.say("no")  # stay in the form
        assert await state(chat) == "apply:ask_name"
        assert "name" not in await form_data(chat)
    await chat.say("Mary Brown")
    await chat.say("03.04.1990")
    await chat.say("a different centre please")  # the same course elsewhere, answers kept
    assert await state(chat) == "apply:choose_course"
    await chat.press_first("apply_course")
    assert (await form_data(chat))["name"] == "Mary Brown"


async def test_khalas_in_arabic_leaves_the_form(chat: Chat) -> None:
    await chat.say("أريد التسجيل في دورة باريستا")
    await chat.press_first("apply_course")
    await chat.say("أوافق")
    await chat.say("خلاص")  # "enough": never a name
    assert "name" not in await form_data(chat)
    assert await state(chat) == "apply:ask_name"
    await chat.say("نعم")
    assert await state(chat) is None
    assert await count(chat, t.applications) == 0


async def test_another_course_named_in_english_restarts_the_form_for_it(chat: Chat) -> None:
    meant = ("sorry I meant barista", "barista instead of pastry please", "not pastry, barista")
    for words in meant:
        await chat.say("I would like to apply for the pastry course")
        await chat.press_first("apply_course")
        await chat.press_label("I agree")
        await chat.say("Mary Brown")
        await chat.say(words)
        assert await state(chat) == "apply:choose_course", words
        data = await form_data(chat)
        assert data["branch"] == "barista", words
        assert "name" not in data  # a new application, nothing of the old one carried over
        await chat.say("menu")


async def test_another_course_named_in_arabic_restarts_the_form_for_it(chat: Chat) -> None:
    await chat.say("أريد التسجيل في دورة باريستا")
    await chat.press_first("apply_course")
    await chat.say("أوافق")
    await chat.say("Ahmad Hasan")
    await chat.say("ليس باريستا، حلويات")  # "not barista: pastry"
    assert await state(chat) == "apply:choose_course"
    assert (await form_data(chat))["branch"] == "pastacilik"
