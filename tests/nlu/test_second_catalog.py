"""Another institution's catalog is understood as well: nothing is tied to İzmir's courses."""

from __future__ import annotations

import pytest

from nlu import CatalogIndex, understand


@pytest.mark.parametrize(
    ("text", "branch"),
    [
        ("seramik atölyesi", "seramik-atolyesi"),
        ("çömlek yapmayı öğrenmek istiyorum", "seramik-atolyesi"),
        ("drone kursu", "drone-pilotlugu"),
        ("insansiz hava araci egitimi", "drone-pilotlugu"),
        ("DRONE PİLOTLUĞU", "drone-pilotlugu"),
        ("işaret dili öğrenmek", "isaret-dili"),
        ("ekşi maya ekmek", "eksi-maya-ekmek"),
        ("kahve demleme", "kahve-demleme"),
        ("podcast yapmayı öğrenmek", "podcast"),
        ("model uçak", "model-ucak"),
        ("korece kursu var mı", "korece"),
        ("japoncaa", "japonca"),
    ],
)
def test_branches(ankara_index: CatalogIndex, text: str, branch: str) -> None:
    result = understand(text, ankara_index)
    assert result.branch == branch
    assert result.intent in ("course_info", "list_courses", "apply")


def test_schedule_and_candidates(ankara_index: CatalogIndex) -> None:
    result = understand("korece kursu ne zaman başlıyor", ankara_index)
    assert (result.intent, result.branch) == ("course_schedule", "korece")
    english = understand("ingilizce kursu", ankara_index)
    assert set(english.candidates) == {"ingilizce-a1", "ingilizce-b1"}


def test_field_listing(ankara_index: CatalogIndex) -> None:
    result = understand("havacılık kursları", ankara_index)
    assert (result.intent, result.branch, result.field) == ("list_courses", None, "havacilik")


@pytest.mark.parametrize(
    ("text", "centre", "district"),
    [
        ("kızılay gençlik merkezi nerede", "kizilay", None),
        ("sincan kurs merkezi telefonu", "sincan", "Sincan"),
        ("ulus tarihi han adresi", "ulus", None),
    ],
)
def test_centres(ankara_index: CatalogIndex, text: str, centre: str, district: str | None) -> None:
    result = understand(text, ankara_index)
    assert (result.intent, result.center, result.district) == ("center_info", centre, district)


def test_districts_of_the_catalog(ankara_index: CatalogIndex) -> None:
    result = understand("sincanda kurs var mı", ankara_index)
    assert (result.intent, result.district, result.center) == ("list_courses", "Sincan", None)


def test_generic_questions(ankara_index: CatalogIndex) -> None:
    assert understand("başvuru nasıl yapılır", ankara_index).intent == "apply"
    assert understand("kurslar ücretli mi", ankara_index).intent_name == "faq_cost"
    assert understand("barista kursu", ankara_index).branch is None
