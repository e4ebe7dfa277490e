"""The application form through the real engine: typed answers to buttons, changes of mind at
any step, and eligibility before the national id. Each test is named after what broke."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select, update

from core.catalog import CourseStatus
from handlers.apply_submit import window_open
from storage import tables as t
from tests.bot.conftest import Chat
from tests.bot.test_apply import count, reach_name_question, state
from tests.bot.test_mine_privacy import apply_quickly
from tests.idnumbers import VALID_ID

# Phrases a "can't help / didn't understand / pick an option" fallback is made of.
FALLBACK = ("anlayamad", "yardımcı olamıyorum", "seçeneklerden birini seçin")


def no_fallback(chat: Chat) -> bool:
    text = chat.texts().lower()
    return not any(phrase in text for phrase in FALLBACK)


async def reach(chat: Chat, step: str, words: str = "barista kursuna başvurmak istiyorum") -> None:
    """Fills the form with valid answers until the conversation is at `apply:<step>`."""
    await reach_name_question(chat, words)
    for answer in ("Ayşe Yılmaz", "12.05.1998", VALID_ID, "05321234567", "Buca", "lise", "geç"):
        if await state(chat) == f"apply:{step}":
            return
        await chat.say(answer)
    assert await state(chat) == f"apply:{step}", chat.texts()


def open_course(chat: Chat, *, women_only: bool | None = None, max_age: bool = False) -> str:
    """An offering taking applications today (women-only or with an upper age limit)."""
    catalog = chat.assistant.engine.catalog
    today = date.today()
    for course in sorted(catalog.courses.values(), key=lambda c: c.starts_on):
        if course.status is not CourseStatus.OPEN or not window_open(course, today):
            continue
        if women_only is not None and course.women_only is not women_only:
            continue
        if max_age and (course.max_age is None or course.women_only):
            continue
        return course.id
    raise AssertionError("the sample catalog has no such open offering")


# Typed answers to buttons -------------------------------------------------------------------


async def test_evet_onayliyorum_at_consent_is_consent_not_a_status_question(chat: Chat) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    await chat.press_first("apply_course")
    await chat.say("evet onaylıyorum")
    assert await state(chat) == "apply:ask_name"
    assert "Adınız" in chat.texts()


async def test_kabul_etmiyorum_at_consent_refuses(chat: Chat) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    await chat.press_first("apply_course")
    await chat.say("kabul etmiyorum")
    assert "kaydedilmedi" in chat.texts()
    assert await state(chat) is None


async def test_a_centre_typed_at_the_offerings_picks_that_offering(chat: Chat) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    second = chat.last[-1].buttons[1]
    await chat.say(second.label.split(" · ")[0] + "daki olsun")
    assert await state(chat) == "apply:consent"
    assert (await form_data(chat))["course"] == second.data.split("|")[2]


async def test_the_employment_label_typed_is_taken_not_refused(chat: Chat) -> None:
    await reach(chat, "ask_employment")
    await chat.say("çalışıyorum")
    assert await state(chat) == "apply:confirm"
    assert "Çalışıyorum" in chat.last[-1].text


async def test_an_education_answer_in_a_sentence_is_taken(chat: Chat) -> None:
    await reach(chat, "ask_education")
    await chat.say("lise mezunuyum")
    assert await state(chat) == "apply:ask_employment"


async def test_gonder_typed_at_the_summary_submits(chat: Chat) -> None:
    await reach(chat, "confirm")
    await chat.say("tamamdır gönderin")
    assert "MF-" in chat.texts()
    assert await count(chat, t.applications) == 1


async def test_an_unclear_answer_at_the_summary_says_what_is_expected(chat: Chat) -> None:
    await reach(chat, "confirm")
    await chat.say("hmm")
    assert no_fallback(chat), chat.texts()
    assert "gönder" in chat.last[0].text.lower()
    assert [b.label for b in chat.last[-1].buttons] == ["Gönder", "Düzelt"]
    assert await state(chat) == "apply:confirm"


async def test_a_name_typed_at_the_summary_replaces_it_even_with_a_course_word(chat: Chat) -> None:
    await reach(chat, "confirm")
    await chat.say("adimi yanlis yazdim Fatma Demir olcak")  # "demir": also a course word
    assert "Ad soyad: Fatma Demir" in chat.last[0].text, chat.texts()
    assert await state(chat) == "apply:confirm"


async def test_a_phone_and_a_birth_date_typed_at_the_summary_replace_them(chat: Chat) -> None:
    await reach(chat, "confirm")
    await chat.say("telefonum yanlış, 0533 222 44 55 olacak")
    assert "+905332224455" in chat.last[0].text, chat.texts()
    await chat.say("doğum tarihim 14.03.1999 olmalı")
    assert "14 Mart 1999" in chat.last[0].text, chat.texts()
    assert await state(chat) == "apply:confirm"


async def test_a_field_said_to_be_right_at_the_summary_submits(chat: Chat) -> None:
    await reach(chat, "confirm")
    await chat.say("evet adım soyadım doğru gönderin")
    assert "MF-" in chat.texts()
    assert await count(chat, t.applications) == 1


async def test_a_field_named_without_a_usable_value_is_asked_again(chat: Chat) -> None:
    await reach(chat, "confirm")
    await chat.say("telefon numaramı yanlış yazdım")
    assert await state(chat) == "apply:ask_phone"
    await chat.say("0533 222 44 55")
    assert await state(chat) == "apply:confirm"
    assert "+905332224455" in chat.last[0].text, chat.texts()


async def test_evet_at_the_cancel_confirmation_cancels(chat: Chat) -> None:
    number = await apply_quickly(chat)
    await chat.say("başvurumu iptal etmek istiyorum")
    assert "emin misiniz" in chat.texts()
    await chat.say("evet")
    assert f"{number} numaralı başvurunuz iptal edildi" in chat.texts()


async def test_evet_at_the_erase_confirmation_erases(chat: Chat) -> None:
    await chat.say("verilerimi sil")
    assert "geri alınamaz" in chat.texts()
    await chat.say("evet eminim silin")
    assert "silindi" in chat.texts()


async def test_hayir_at_the_erase_confirmation_keeps_everything(chat: Chat) -> None:
    await apply_quickly(chat)
    await chat.say("verilerimi sil")
    await chat.say("hayır silmeyin")
    assert "silinmedi" in chat.texts()
    assert await count(chat, t.applications) == 1


async def test_daha_fazla_typed_shows_the_next_page(chat: Chat) -> None:
    await chat.say("karşıyakada hangi kurslar var")
    assert "Sayfa 1/2" in chat.texts()
    await chat.say("diğer sayfayı göster")
    assert "Sayfa 2/2" in chat.texts()


# Changes of mind ----------------------------------------------------------------------------


async def test_vazgectim_at_the_id_step_leaves_the_form(chat: Chat) -> None:
    await reach(chat, "ask_national_id")
    await chat.say("vazgeçtim")
    assert "İptal edilebilecek" not in chat.texts()
    assert "kapatılsın mı" in chat.texts()
    await chat.say("evet")
    assert await state(chat) is None
    assert "kapattım" in chat.texts()


async def test_iptal_etmek_istiyorum_is_never_stored_as_the_name(chat: Chat) -> None:
    await reach(chat, "ask_name")
    await chat.say("iptal etmek istiyorum")
    assert "kapatılsın mı" in chat.texts()
    await chat.say("hayır")  # stay in the form
    assert await state(chat) == "apply:ask_name"
    assert "name" not in await form_data(chat)


async def test_ne_durumdayim_is_never_stored_as_the_name(chat: Chat) -> None:
    await reach(chat, "ask_name")
    await chat.say("ne durumdayım")
    assert await state(chat) == "apply:ask_name"
    assert "name" not in await form_data(chat)
    assert no_fallback(chat), chat.texts()
    assert "Adınız" in chat.last[-1].text


async def test_basvuruyu_birakmak_istiyorum_is_never_stored_as_the_name(chat: Chat) -> None:
    await reach(chat, "ask_name")
    await chat.say("başvuruyu bırakmak istiyorum")
    assert "name" not in await form_data(chat)
    await chat.press_label("Evet")
    assert await state(chat) is None


async def test_x_degil_y_restarts_the_application_for_y(chat: Chat) -> None:
    await reach(chat, "ask_name", "ön muhasebe kursuna başvurmak istiyorum")
    await chat.say("ön muhasebe değil excel istiyordum")
    assert "İleri Excel için başvuru alan kurslar" in chat.texts()
    assert "Ön Muhasebe" not in chat.texts()
    assert (await form_data(chat))["branch"] == "ileri-excel"


async def test_another_course_named_mid_form_restarts_for_it(chat: Chat) -> None:
    await reach(chat, "ask_phone")
    await chat.say("pardon ben ileri excele yazılacaktım")
    assert await state(chat) == "apply:choose_course"
    data = await form_data(chat)
    assert data["branch"] == "ileri-excel"
    assert "name" not in data  # a new application, nothing of the old one carried over


async def test_baska_kursa_basvurmak_istiyorum_asks_which_course(chat: Chat) -> None:
    await reach(chat, "ask_district")
    await chat.say("başka kursa başvurmak istiyorum")
    assert await state(chat) == "apply:ask_branch"
    assert no_fallback(chat)


async def test_another_centre_keeps_the_answers_given(chat: Chat) -> None:
    await reach(chat, "ask_phone")
    await chat.say("başka merkezde olsun")
    assert await state(chat) == "apply:choose_course"
    await chat.press_first("apply_course")
    assert await state(chat) == "apply:ask_phone"  # name, birth date and id kept
    assert (await form_data(chat))["name"] == "Ayşe Yılmaz"


async def test_a_question_about_the_course_mid_form_is_answered_then_asked_again(
    chat: Chat,
) -> None:
    await reach(chat, "ask_phone")
    course = chat.assistant.engine.catalog.courses[str((await form_data(chat))["course"])]
    centre = chat.assistant.engine.catalog.centers[course.center]
    await chat.say("kurs nerede yapılacak")
    assert centre.name in chat.texts()
    assert "telefon" in chat.last[-1].text.lower()
    assert await state(chat) == "apply:ask_phone"


async def test_a_course_name_given_as_the_name_is_confirmed_first(chat: Chat) -> None:
    await reach(chat, "ask_name")
    await chat.say("ileri excel")
    assert "olarak yazayım mı" in chat.texts()
    await chat.say("hayır")
    assert "name" not in await form_data(chat)
    await chat.say("Can Demir")  # a surname that is also a course word is simply a name
    assert await state(chat) == "apply:ask_birth_date"
    assert (await form_data(chat))["name"] == "Can Demir"


# Eligibility before the national id ------------------------------------------------------


async def test_the_birth_date_is_asked_before_the_national_id(chat: Chat) -> None:
    await reach(chat, "ask_name")
    await chat.say("Ayşe Yılmaz")
    assert await state(chat) == "apply:ask_birth_date"
    await chat.say("12.05.1998")
    assert await state(chat) == "apply:ask_national_id"


async def test_too_old_for_a_youth_course_is_refused_before_the_national_id(chat: Chat) -> None:
    course = open_course(chat, max_age=True)
    await chat.press(f"apply|{course}")
    await chat.press_first("consent")
    await chat.say("Ayşe Yılmaz")
    await chat.say("01.01.1960")
    assert "yaşına kadar" in chat.texts()
    assert "kimlik" not in chat.texts().lower()
    assert await state(chat) is None


async def test_a_women_only_course_asks_plainly_and_hayir_offers_the_others(chat: Chat) -> None:
    course = open_course(chat, women_only=True)
    await chat.press(f"apply|{course}")
    assert await state(chat) == "apply:women_only"
    assert "kadınlara özel; sizin için uygun mu?" in chat.texts()
    await chat.say("hayır")
    assert await state(chat) is None
    assert "yalnızca kadın" in chat.texts()
    assert any(b.label == "Diğer kurslar" for b in chat.last[-1].buttons)
    for button in chat.last[-1].buttons[:-1]:  # the other offerings are open to everyone
        assert not chat.assistant.engine.catalog.courses[button.data.split("|")[1]].women_only


async def test_a_women_only_course_goes_on_after_evet(chat: Chat) -> None:
    course = open_course(chat, women_only=True)
    await chat.press(f"apply|{course}")
    await chat.say("evet uygun")
    assert await state(chat) == "apply:consent"
    assert "KVKK" in chat.texts()


async def test_a_form_saved_at_the_id_step_in_the_old_order_asks_the_birth_date_next(
    chat: Chat,
) -> None:
    await reach(chat, "ask_birth_date")
    async with chat.assistant.db.write() as conn:  # as the form was saved before the change
        await conn.execute(
            update(t.conversations)
            .where(t.conversations.c.user_key == chat.user)
            .values(state="apply:ask_national_id")
        )
    chat.assistant.engine.forget_user(chat.user)
    await chat.say(VALID_ID)
    assert await state(chat) == "apply:ask_birth_date"
    await chat.say("12.05.1998")
    assert await state(chat) == "apply:ask_phone"


async def form_data(chat: Chat) -> dict[str, object]:
    """The answers the form has stored so far."""
    async with chat.assistant.db.read() as conn:
        row = await conn.execute(
            select(t.conversations.c.data).where(t.conversations.c.user_key == chat.user)
        )
        raw = row.scalar_one_or_none()
    data: dict[str, object] = json.loads(raw) if raw else {}
    return data


async def test_ne_durumdayim_mid_form_answers_the_status_then_asks_again(chat: Chat) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    await chat.press_first("apply_course")
    await chat.press_first("consent")
    await chat.say("ne durumdayım")
    assert "Ayşe" not in chat.texts()
    assert "başvuru" in chat.texts().lower()
    assert "Adınız ve soyadınız" in chat.texts()


async def test_a_centre_named_mid_form_switches_to_that_offering(chat: Chat) -> None:
    await chat.say("barista kursuna başvurmak istiyorum")
    await chat.press_label("Buca")
    await chat.press_first("consent")
    await chat.say("konaktaki olsun aslında")
    assert "Dijital Gençlik Merkezi kursunu seçtim" in chat.texts()
    assert "Adınız ve soyadınız" in chat.texts()


async def test_why_the_national_id_is_asked_is_answered_then_asked_again(chat: Chat) -> None:
    await reach(chat, "ask_national_id")
    await chat.say("tc kimlik nomu vermek zorunda mıyım neden istiyosunuz")
    assert "zorunlu" in chat.texts()
    assert "şifreli" in chat.texts()
    assert await state(chat) == "apply:ask_national_id"  # nothing stored, asked again
    assert "national_id" not in await form_data(chat)
