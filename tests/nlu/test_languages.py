"""English and Arabic understanding: the held-out sets (written before tuning) and the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import Branch, Catalog, Field
from core.checks import ascii_digits
from locales.faq import topic_patterns
from nlu import CatalogIndex, understand
from nlu.foreign import arabic_key, to_turkish
from nlu.language import decisive_language, language_choice
from nlu.scoring import parse_cases, score

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_held_out_set_in_the_users_language(index: CatalogIndex, lang: str) -> None:
    cases = parse_cases((DATA / f"heldout_{lang}.jsonl").read_text(encoding="utf-8"))
    assert len(cases) == 40
    result = score(cases, index, locale=lang)
    assert result.intent.accuracy >= 0.95, result.misses
    assert result.branch.accuracy >= 0.95, result.misses


def test_arabic_is_understood_without_knowing_the_users_language(index: CatalogIndex) -> None:
    cases = parse_cases((DATA / "heldout_ar.jsonl").read_text(encoding="utf-8"))
    result = score(cases, index)  # told by its script
    assert result.intent.accuracy >= 0.95, result.misses


def test_labels_name_real_branches(index: CatalogIndex) -> None:
    ids = {b.id for b in index.branches}
    for lang in ("en", "ar"):
        for case in parse_cases((DATA / f"heldout_{lang}.jsonl").read_text(encoding="utf-8")):
            labelled = case.get("branch")
            for branch in labelled if isinstance(labelled, list) else [labelled]:
                assert branch is None or branch in ids, case


def test_arabic_marks_hamza_forms_and_the_article_do_not_matter() -> None:
    assert arabic_key("الحِلاقَة") == arabic_key("حلاقه") == "حلاقه"
    assert arabic_key("أريد") == arabic_key("اريد")
    assert arabic_key("للنساء") == "نساء"
    assert ascii_digits("٠٥٣٢ ۱۲۳") == "0532 123"


def test_a_turkish_name_in_latin_letters_passes_through(index: CatalogIndex) -> None:
    assert "pastacilik" in to_turkish("هل عندكم دورة pastacilik", "ar", index.foreign)
    u = understand("when does erkek berberligi start", index, "en")
    assert u.branch == "erkek-berberligi"


def test_translated_names_of_any_catalog_are_used() -> None:
    catalog = Catalog(
        fields=[Field("f", "Zanaat", name_en="Crafts", name_ar="حرف")],
        branches=[
            Branch(
                "sepet",
                "f",
                "Sepet Örücülüğü",
                40,
                16,
                name_en="Basket Weaving",
                name_ar="صناعة السلال",
            ),
            Branch("cam", "f", "Cam Üfleme", 40, 16, name_en="Glass Blowing", name_ar="نفخ الزجاج"),
        ],
    )
    index = CatalogIndex.build(catalog, topic_patterns())
    assert understand("is there a basket weaving course", index, "en").branch == "sepet"
    assert understand("هل يوجد دورة نفخ الزجاج", index, "ar").branch == "cam"
    assert understand("I want to learn glass blowing", index, "en").branch == "cam"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok", None),
        ("merhaba", None),
        ("hello", None),
        ("online kurs var mı", "tr"),
        ("do you have a barista course", "en"),
        ("مرحبا", "ar"),
        ("barista", None),
    ],
)
def test_only_a_sure_language_decides(text: str, expected: str | None) -> None:
    assert decisive_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("English", "en"),
        ("العربية", "ar"),
        ("Türkçe", "tr"),
        ("TÜRKÇE!", "tr"),
        ("english course", None),
    ],
)
def test_a_whole_message_naming_a_language_chooses_it(text: str, expected: str | None) -> None:
    assert language_choice(text) == expected


@pytest.mark.parametrize(
    ("text", "intent", "branch"),
    [
        ("badi sajel b dawra barista", "apply", "barista"),
        ("addesh el dawra", "faq_cost", None),
        ("emta btebda dawrat el 7ila2a", "course_schedule", "erkek-berberligi"),
        ("bade a7ki ma3 mwazaf", "talk_to_human", None),
    ],
)
def test_arabizi_where_cheap(
    index: CatalogIndex, text: str, intent: str, branch: str | None
) -> None:
    got = understand(text, index, "ar").as_contract()
    assert got["intent"] == intent
    assert got["branch"] == branch


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_faq_topic_is_reached_by_its_own_words(index: CatalogIndex, lang: str) -> None:
    from locales.faq import load_faq

    for name, entry in load_faq(lang).items():
        for line in entry.patterns.splitlines():
            words = line.partition(":")[2].replace("^", " ").split()
            if not words:
                continue
            phrase = " ".join(slot.split("|")[0] for slot in words)
            assert understand(phrase, index, lang).as_contract()["intent"] == name, (name, phrase)
