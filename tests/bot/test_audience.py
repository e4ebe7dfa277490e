"""Who a course is for: women-only and youth courses found from the catalog; the honest answer
about accessibility; a course that does not exist said plainly."""

from __future__ import annotations

from tests.bot.conftest import Chat


async def test_women_only_courses_are_listed_from_the_catalog(chat: Chat) -> None:
    await chat.press("pg|1|aw")
    text = chat.texts()
    assert "kadınlara özel" in text
    catalog = chat.assistant.engine.catalog
    women = {catalog.branches[c.branch].name for c in catalog.courses.values() if c.women_only}
    assert women
    assert any(name in text for name in women)
    men_only_names = {"Erkek Berberliği"} - women
    assert not any(f"• {name}" in text for name in men_only_names)


async def test_youth_courses_are_those_with_an_upper_age_limit(chat: Chat) -> None:
    await chat.press("pg|1|ay")
    assert "15–29 yaş gençlere özel" in chat.texts()
