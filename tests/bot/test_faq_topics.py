"""FAQ topics are data: the menu, the menu buttons and the answers come from the content file."""

from __future__ import annotations

from locales.faq import load_faq, menu_items
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
