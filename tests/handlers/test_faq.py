"""FAQ answers from the staff-editable content file, and the loader's validation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest
import yaml

from core.intents import Intent
from core.messages import Reply
from handlers import faq
from handlers.base import Context
from locales.faq import BUILT_IN, WITH_COURSE, FaqContentError, load_faq, parse_faq
from tests.handlers.conftest import MakeCtx, all_buttons, press, und

FAQ_INTENTS = tuple(load_faq("tr"))  # the topics and built-in answers of the content file


async def ask(ctx: Context, intent: str, **cues: Any) -> list[Reply]:
    u = und(intent, **cues)
    return await faq.router.intents[u.intent](ctx, u)


async def test_routed_intent_wins_over_the_text(make_ctx: MakeCtx) -> None:
    # A menu button routes to faq_cost while the (empty) text is understood as out_of_scope.
    routed = replace(und("out_of_scope"), intent=Intent.FAQ, topic="faq_cost")
    replies = await faq.router.intents[Intent.FAQ](make_ctx(), routed)
    assert "ücretsiz" in replies[0].text


async def test_a_routed_built_in_intent_wins_over_the_text(make_ctx: MakeCtx) -> None:
    replies = await faq.router.intents[Intent.EMPLOYMENT](make_ctx(), und("out_of_scope"))
    assert "Halkapınar" in replies[0].text


def test_content_file_has_every_intent() -> None:
    entries = load_faq("tr")
    assert set(entries) == set(FAQ_INTENTS)
    assert set(load_faq("xx")) == set(FAQ_INTENTS)  # unknown language: the Turkish file


@pytest.mark.parametrize("intent", FAQ_INTENTS)
async def test_every_answer_ends_with_a_next_step(make_ctx: MakeCtx, intent: str) -> None:
    replies = await ask(make_ctx(), intent)
    assert len(replies) == 1
    assert replies[0].text
    assert replies[0].buttons, "every answer offers a next step"
    assert len(replies[0].text) < 700  # fits a phone screen


async def test_cost_is_free(make_ctx: MakeCtx) -> None:
    replies = await ask(make_ctx(), "faq_cost")
    assert "ücretsiz" in replies[0].text


async def test_certificate_mentions_meb_protocol_and_apostille(make_ctx: MakeCtx) -> None:
    text = (await ask(make_ctx(), "faq_certificate"))[0].text
    assert "İl Milli Eğitim Müdürlüğü" in text
    assert "apostil" in text
    assert "kendiliğinden geçerli sayılmaz" in text


async def test_eligibility_gives_the_branch_minimum_age(make_ctx: MakeCtx) -> None:
    replies = await ask(make_ctx(), "faq_eligibility", branch="gazalti-kaynakciligi")
    text = replies[0].text
    assert "Gazaltı Kaynakçılığı kursu için en az 18 yaşında" in text
    assert "veli izniyle" in text
    assert "ALO 153" in text
    assert ("Kurs tarihleri", "crs|gazalti-kaynakciligi") in all_buttons(replies)


async def test_an_age_given_is_checked_against_the_branch_minimum_first(
    make_ctx: MakeCtx,
) -> None:
    young = await ask(
        make_ctx("17 yaşındayım yaşım yeter mi"), "faq_eligibility", branch="gazalti-kaynakciligi"
    )
    text = young[0].text
    assert text.startswith("17 yaşındasınız: Gazaltı Kaynakçılığı kursu için en az 18 yaşında")
    assert "katılamazsınız" in text
    old = await ask(make_ctx("yasim 19 olur mu"), "faq_eligibility", branch="gazalti-kaynakciligi")
    assert old[0].text.startswith("19 yaşındasınız: Gazaltı Kaynakçılığı kursu için en az 18 yaş")
    assert "başvurabilirsiniz" in old[0].text


async def test_an_age_over_every_offerings_limit_is_told_so(make_ctx: MakeCtx) -> None:
    ctx = make_ctx("62 yaşındayım katılabilir miyim")
    limits: dict[str, set[int | None]] = {}
    for course in ctx.catalog.courses.values():
        limits.setdefault(course.branch, set()).add(course.max_age)
    youth = sorted(b for b, ages in limits.items() if None not in ages)  # 15–29 courses only
    assert youth, "the sample catalog has a youth-only course"
    branch = ctx.catalog.branches[youth[0]]
    oldest = max(a for a in limits[branch.id] if a is not None)
    replies = await ask(ctx, "faq_eligibility", branch=branch.id)
    assert replies[0].text.startswith(f"62 yaşındasınız: {branch.name} kursu {oldest} yaşına")
    assert "katılamazsınız" in replies[0].text


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("17 yasindayim", 17),
        ("yaşım 45 olur mu", 45),
        ("I'm 16, can I join?", 16),
        ("I am 20 years old", 20),
        ("عمري 17", 17),
        ("2 yaşında çocuğum var", None),  # no adult says this of themself: out of range
        ("kurs 120 saat mi", None),
    ],
)
def test_stated_age(text: str, age: int | None) -> None:
    assert faq.stated_age(text) == age


async def test_documents_do_not_invent(make_ctx: MakeCtx) -> None:
    text = (await ask(make_ctx(), "faq_documents"))[0].text
    assert "yayımlanmış değil" in text
    assert "kimlik" in text
    assert "ALO 153" in text


async def test_attendance_is_the_general_meb_rule(make_ctx: MakeCtx) -> None:
    text = (await ask(make_ctx(), "faq_attendance", branch="barista"))[0].text
    assert "Genel MEB kuralına göre" in text
    assert "en fazla 24 saat devamsızlık" in text


async def test_employment_points_to_halkapinar(make_ctx: MakeCtx) -> None:
    replies = await ask(make_ctx(), "employment")
    assert "Halkapınar" in replies[0].text
    assert "Mobil İstihdam Aracı" in replies[0].text
    assert ("Halkapınar merkezi", "cen|halkapinar") in all_buttons(replies)


async def test_out_of_scope_points_to_alo_153_with_a_menu(make_ctx: MakeCtx) -> None:
    replies = await ask(make_ctx(), "out_of_scope")
    assert "ALO 153" in replies[0].text
    assert [d for _, d in all_buttons(replies)] == ["pg|1", "near", "faq|employment"]


async def test_faq_button(make_ctx: MakeCtx) -> None:
    replies = await faq.on_faq(make_ctx(), press("faq|faq_certificate"))
    assert "apostil" in replies[0].text
    forged = await faq.on_faq(make_ctx(), press("faq|drop_tables"))
    assert "ALO 153" in forged[0].text


TOPIC = {"answer": "Cevap.", "next": "Sonra.", "patterns": "0.9: soru"}
GOOD = {
    i: {
        "answer": "Cevap.",
        "next": "Sonra.",
        **({} if i in BUILT_IN else {"patterns": "0.9: soru"}),
    }
    for i in FAQ_INTENTS
}


def _yaml(data: Mapping[str, object]) -> str:
    return yaml.safe_dump(data, allow_unicode=True)


def test_parse_accepts_minimal_content() -> None:
    assert set(parse_faq(_yaml(GOOD), "faq.tr.yaml")) == set(FAQ_INTENTS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"faq_cost": None}, "faq.tr.yaml: faq_cost"),
        ({"faq_cost": {"answer": ""}}, "faq.tr.yaml: faq_cost.answer"),
        ({"faq_cost": {"answer": "x"}}, "faq.tr.yaml: faq_cost: needs a next step"),
        ({"faq_cost": {"answer": "x", "nxt": "y"}}, "unknown field(s) nxt"),
        ({"faq_typo": {"answer": "x", "next": "y"}}, "unknown key(s) faq_typo"),
        (
            {"faq_cost": {"answer": "x", "buttons": [{"label": "Kurslar", "to": "nowhere"}]}},
            "faq_cost.buttons[0].to",
        ),
        (
            {"faq_cost": {"answer": "x", "buttons": [{"label": "x" * 21, "to": "courses"}]}},
            "faq_cost.buttons[0].label",
        ),
    ],
)
def test_parse_names_file_and_key(change: dict[str, object], message: str) -> None:
    data: dict[str, object] = {**GOOD, **change}
    with pytest.raises(FaqContentError, match=re.escape(message)):
        parse_faq(_yaml(data), "faq.tr.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"faq_cost": {**TOPIC, "patterns": "ücret"}}, "faq.tr.yaml: faq_cost.patterns line 1"),
        (
            {"faq_cost": {**TOPIC, "patterns": "0.9: ücret|"}},
            "faq.tr.yaml: faq_cost.patterns line 1",
        ),
        ({"faq_cost": {**TOPIC, "patterns": "\n0.9: a\n2: b"}}, "faq_cost.patterns line 3"),
        ({"apply": TOPIC}, "faq.tr.yaml: apply: the name of an intent"),
        ({"Ücret Sorusu": TOPIC}, "faq.tr.yaml: bad key(s) 'Ücret Sorusu'"),
        ({"employment": TOPIC}, "faq.tr.yaml: employment.patterns"),
        ({"faq_cost": {**TOPIC, "menu": {"title": "Ücret"}}}, "faq.tr.yaml: faq_cost.menu"),
        ({"faq_cost": {**TOPIC, "menu": {"title": "x" * 21, "order": 1}}}, "faq_cost.menu.title"),
        ({"faq_cost": {**TOPIC, "with_course": ["shoe_size"]}}, "faq_cost.with_course"),
    ],
)
def test_parse_names_file_and_topic(change: dict[str, object], message: str) -> None:
    data: dict[str, object] = {**GOOD, **change}
    with pytest.raises(FaqContentError, match=re.escape(message)):
        parse_faq(_yaml(data), "faq.tr.yaml")


def test_a_new_topic_is_one_more_key() -> None:
    entries = parse_faq(_yaml({**GOOD, "faq_new": TOPIC}), "faq.tr.yaml")
    assert entries["faq_new"].patterns == TOPIC["patterns"]


def test_every_course_option_of_the_file_is_answered() -> None:
    assert {*faq.SENTENCES, "dates_button", "seats"} == set(WITH_COURSE)


def test_parse_missing_intent() -> None:
    data = {k: v for k, v in GOOD.items() if k != "employment"}
    with pytest.raises(FaqContentError, match="faq.tr.yaml: no answer for employment"):
        parse_faq(_yaml(data), "faq.tr.yaml")


def test_parse_bad_yaml() -> None:
    with pytest.raises(FaqContentError, match="faq.tr.yaml: not valid YAML"):
        parse_faq("faq_cost: [unclosed", "faq.tr.yaml")
