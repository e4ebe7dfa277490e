"""What ``understand`` reports: intents, branches with candidates, places, times, contract."""

from __future__ import annotations

import pytest

from core.intents import Intent
from nlu import CatalogIndex, is_global_word, match_branch, understand
from nlu.matching import analyse
from nlu.understand import Understanding

CONTRACT_KEYS = {"intent", "branch", "candidates", "field", "center", "district", "confidence"}
WELDING = {"gazalti-kaynakciligi", "elektrik-ark-kaynakciligi", "argon-tig-kaynakciligi"}


def test_contract_shape(index: CatalogIndex) -> None:
    got = understand("buca'da barista kursu ne zaman başlıyor", index).as_contract()
    assert set(got) == CONTRACT_KEYS
    assert got["intent"] == "course_schedule"
    assert got["branch"] == "barista"
    assert got["candidates"] == ["barista"]
    assert got["district"] == "Buca"
    assert 0.0 <= got["confidence"] <= 1.0


def test_ambiguous_branch_lists_candidates(index: CatalogIndex) -> None:
    result = understand("kaynak kursu", index)
    assert set(result.candidates) == WELDING
    assert result.branch == result.candidates[0]
    assert result.ambiguous


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("muhasebe", {"on-muhasebe", "bilgisayarli-muhasebe"}),
        ("ingilizce kursu", {"ingilizce-baslangic", "ingilizce-orta-seviye"}),
    ],
)
def test_candidates_include_close_alternatives(
    index: CatalogIndex, text: str, expected: set[str]
) -> None:
    assert expected <= set(understand(text, index).candidates)


def test_clear_branch_has_one_candidate(index: CatalogIndex) -> None:
    result = understand("İLERİ EXCEL", index)
    assert result.branch == "ileri-excel"
    assert result.candidates == ("ileri-excel",)
    assert not result.ambiguous


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("basvuru nasil yapilir", Intent.APPLY),
        ("kurslar ucretli mi", "faq_cost"),
        ("başvru yapmak istiyorum", Intent.APPLY),
        ("sertifka veriliyor mu", "faq_certificate"),
        ("merhabaaa", Intent.GREETING),
        ("mrb", Intent.GREETING),
        ("tşk", Intent.THANKS),
        ("hava durumu", Intent.OUT_OF_SCOPE),
        ("su faturası nasıl ödenir", Intent.OUT_OF_SCOPE),
        ("qwerty", Intent.OUT_OF_SCOPE),
        ("", Intent.OUT_OF_SCOPE),
        ("yardım et", Intent.HELP),
        ("ilk yardım kursu", Intent.COURSE_INFO),
        ("başvurdum ama cevap gelmedi", Intent.APPLICATION_STATUS),
        ("iyi günler dilerim hoşçakalın", Intent.GOODBYE),
        ("merhaba kolay gelsin", Intent.GREETING),
        ("pizza siparişi vermek istiyorum", Intent.OUT_OF_SCOPE),
        ("pizza kursu", Intent.COURSE_INFO),
        ("iş makinesi operatörlüğü", Intent.COURSE_INFO),
        ("iş arıyorum", Intent.EMPLOYMENT),
    ],
)
def test_intents(index: CatalogIndex, text: str, intent: str) -> None:
    assert understand(text, index).intent_name == intent


def test_a_bare_number_is_no_course(index: CatalogIndex) -> None:
    result = understand("2", index)
    assert result.branch is None
    assert result.numbers == (2,)


def test_course_words_inside_intent_words_do_not_leak(index: CatalogIndex) -> None:
    assert understand("yardım et", index).branch is None
    assert understand("kayıt olmak istiyorum", index).branch is None
    assert understand("english please", index).branch is None


def test_field_listing_has_no_branch(index: CatalogIndex) -> None:
    result = understand("muhasebe alanındaki kurslar", index)
    assert (result.intent, result.branch, result.field) == (
        "list_courses",
        None,
        "muhasebe-ve-finansman",
    )


def test_district_alone_is_no_centre(index: CatalogIndex) -> None:
    result = understand("urla kursları", index)
    assert (result.district, result.center, result.intent) == ("Urla", None, "list_courses")


@pytest.mark.parametrize(
    ("text", "centre", "district"),
    [
        ("karşıyaka kurs merkezi nerede", "karsiyaka", "Karşıyaka"),
        ("buca kurs merkezinde barista var mı", "buca", "Buca"),
        ("evka 4 kurs merkezi nerede", "evka-4", None),
        ("halkapınar adres", "halkapinar", None),
    ],
)
def test_centres(index: CatalogIndex, text: str, centre: str, district: str | None) -> None:
    result = understand(text, index)
    assert (result.center, result.district) == (centre, district)


def test_time_cues(index: CatalogIndex) -> None:
    result = understand("yarın akşam pastacılık kursu var mı", index)
    assert (result.relative_date, result.time_of_day) == ("tomorrow", "evening")
    result = understand("hafta sonu cumartesi ve pazar sabah", index)
    assert result.weekend is True
    assert result.weekdays == ("sat", "sun")
    assert result.time_of_day == "morning"
    result = understand("pazartesi carsamba ogleden sonra gelecek hafta", index)
    assert result.weekdays == ("mon", "wed")
    assert (result.weekend, result.time_of_day, result.relative_date) == (
        False,
        "afternoon",
        "next_week",
    )
    assert understand("bu ay başlayan kurslar", index).relative_date == "this_month"
    assert understand("pazarlama kursu", index).weekdays == ()


def test_numbers_and_outside_izmir(index: CatalogIndex) -> None:
    result = understand("16 yaşındayım izmir dışında oturuyorum", index)
    assert result.numbers == (16,)
    assert result.outside_izmir


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("iptal", "cancel"),
        ("İPTAL", "cancel"),
        ("menü", "menu"),
        ("menu", "menu"),
        ("Ana Menü", "menu"),
        ("geri", "back"),
        ("yardim", "help"),
        ("Yardım!", "help"),
        ("barista iptal", None),
        ("", None),
    ],
)
def test_global_words(text: str, word: str | None) -> None:
    assert is_global_word(text) == word


def test_match_branch_for_forms(index: CatalogIndex) -> None:
    assert match_branch("barısta", index)[0].id == "barista"
    assert {m.id for m in match_branch("kaynak", index)} == WELDING
    assert match_branch("hava durumu", index) == []


def test_understanding_is_frozen() -> None:
    result = Understanding(intent=Intent.GREETING, confidence=0.9)
    with pytest.raises(AttributeError):
        result.intent = Intent.HELP  # type: ignore[misc]


@pytest.mark.parametrize(
    ("word", "term"),
    [
        ("kursuna", "@kurs"),
        ("kurslarınız", "@kurs"),
        ("pastacılığı", "pasta"),
        ("kaynakçılık", "kaynak"),
        ("kaynağı", "kaynak"),
        ("bucada", "#Buca"),
        ("gaziemirde", "#Gaziemir"),
        ("karabağlarda", "#Karabağlar"),
        ("başvurabilirim", "@basvur"),
        ("sertifka", "@sertifika"),
        ("onmuhasebe", "muhasebe"),
    ],
)
def test_words_resolve_through_suffixes_and_typos(
    index: CatalogIndex, word: str, term: str
) -> None:

    assert any(term in w.terms for w in analyse(word, index))


def test_a_centre_named_whole_is_no_course_but_its_words_still_are_elsewhere(
    index: CatalogIndex,
) -> None:
    there = understand("dijital genclik merkezindeki olsun", index)
    assert (there.center, there.branch, there.candidates) == ("dijital-genclik-merkezi", None, ())
    both = understand("dijital gençlik merkezinde dijital pazarlama var mı", index)
    assert both.center == "dijital-genclik-merkezi"
    assert both.branch == "dijital-pazarlama-ve-sosyal-medya"
