"""FAQ topics are data: the menu, the menu buttons and the answers come from the content file."""

from __future__ import annotations

import pytest

from locales.faq import load_faq, menu_items
from nlu import understand
from tests.bot.conftest import Chat


async def test_the_faq_menu_lists_the_topics_of_the_content_file(chat: Chat) -> None:
    await chat.press("ask|faq_menu")
    got = [(b.label, b.data) for r in chat.last for b in r.buttons]
    assert got == [(title, f"ask|{name}") for name, title in menu_items(load_faq())]
    assert got[:6] == [
        ("Ücret", "ask|faq_cost"),
        ("Sertifika", "ask|faq_certificate"),
        ("Kimler katılabilir", "ask|faq_eligibility"),
        ("Gerekli belgeler", "ask|faq_documents"),
        ("Devam zorunluluğu", "ask|faq_attendance"),
        ("İş bulma desteği", "ask|employment"),
    ]


async def test_a_menu_button_asks_a_topic_by_its_name(chat: Chat) -> None:
    await chat.press("ask|faq_cost")
    assert "ücretsiz" in chat.texts()
    await chat.press("ask|faq")  # the kind alone names no topic
    assert "eski" in chat.texts().lower()


async def test_a_topic_named_with_a_course_adds_what_the_file_asks_for(chat: Chat) -> None:
    await chat.say("barista kursunda devamsızlık hakkı kaç saat")
    assert "en fazla 24 saat devamsızlık" in chat.texts()
    assert "crs|barista" in chat.texts()


STIPEND = [
    "kurs sırasında harçlık veriliyor mu",
    "harçlık var mı",
    "para veriyorlar mı",
    "kursiyerlere para veriliyor mu",
    "burs var mı",
    "kursta burs veriliyor mu",
    "yol parası veriyor musunuz",
    "barista kursunda harçlık veriliyor mu",
]


@pytest.mark.parametrize("text", STIPEND)
async def test_a_stipend_question_gets_the_honest_answer(chat: Chat, text: str) -> None:
    index = chat.assistant.engine.catalog.index
    assert understand(text, index).as_contract()["intent"] == "faq_stipend"
    await chat.say(text)
    answer = chat.texts()
    assert "ücretsiz" in answer
    assert "harçlık, burs ya da başka bir ödeme yapıldığına dair elimde bir bilgi yok" in answer
    assert "ALO 153" in answer


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("kursa para veriyor muyuz", "faq_cost"),  # we pay: a question about the fee
        ("kursa para ödüyor muyuz", "faq_cost"),
        ("burs başvurusu", "out_of_scope"),  # a scholarship application is no course question
    ],
)
async def test_money_we_pay_is_no_stipend(chat: Chat, text: str, intent: str) -> None:
    assert understand(text, chat.assistant.engine.catalog.index).as_contract()["intent"] == intent


@pytest.mark.parametrize(
    "text", ["online kurs var mı", "uzaktan eğitim var mı", "evden derse katılabilir miyim"]
)
async def test_an_online_course_question_is_answered_not_read_as_e_commerce(
    chat: Chat, text: str
) -> None:
    await chat.say(text)
    assert "çevrim içi (online) bir kurs bilgisi elimde yok" in chat.texts()
    assert "E-Ticaret" not in chat.texts()
