"""'Açılınca haber ver': acknowledged, listed, removed; several questions answered together."""

from __future__ import annotations

from dataclasses import replace

from core.intents import Intent
from handlers.questions import split_questions
from nlu.understand import Understanding
from tests.bot.conftest import Chat


async def test_an_interest_is_acknowledged_listed_and_removed(chat: Chat) -> None:
    await chat.press("int|aricilik|Urla")
    assert "haber vereceğim" in chat.texts()
    await chat.press_label("Haber isteklerim")
    assert "Arıcılık (Urla)" in chat.texts()
    await chat.press_label("Sil: Arıcılık")
    assert "artık haber vermeyeceğim" in chat.texts()
    assert "haber beklediğiniz bir kurs yok" in chat.texts()


async def test_notify_me_without_a_course_asks_which(chat: Chat) -> None:
    await chat.press("ask|notify_me")
    assert "Hangi kurs" in chat.texts()


async def test_a_forged_removal_changes_nothing(chat: Chat) -> None:
    await chat.press("int|aricilik")
    await chat.press("int_del|no-such-branch")
    await chat.press("ask|my_interests")
    assert "Arıcılık" in chat.texts()


def test_a_course_question_with_a_fee_question_is_a_card_and_the_fee_answer() -> None:
    u = Understanding(
        intent=Intent.COURSE_SCHEDULE,
        confidence=0.9,
        branch="barista",
        asks=("when", "where", "faq_cost"),
    )
    asked = split_questions(u)
    assert [(q.intent, q.topic) for q in asked] == [
        (Intent.COURSE_SCHEDULE, None),
        (Intent.FAQ, "faq_cost"),
    ]


def test_a_faq_with_a_place_question_puts_the_course_card_first() -> None:
    u = Understanding(
        intent=Intent.FAQ,
        topic="faq_certificate",
        confidence=0.9,
        branch="gida-guvenligi",
        asks=("where", "faq_certificate"),
    )
    asked = split_questions(u)
    assert [(q.intent, q.topic) for q in asked] == [
        (Intent.COURSE_INFO, None),
        (Intent.FAQ, "faq_certificate"),
    ]


def test_two_courses_named_are_two_cards_and_requests_are_never_split() -> None:
    u = Understanding(
        intent=Intent.COURSE_SCHEDULE,
        confidence=0.9,
        branch="veri-analizi",
        branches=("veri-analizi", "python-ile-programlama"),
        asks=("when",),
    )
    assert [q.branch for q in split_questions(u)] == ["veri-analizi", "python-ile-programlama"]
    apply = replace(u, intent=Intent.APPLY, asks=("when", "faq_cost"))
    assert split_questions(apply) == [apply]
