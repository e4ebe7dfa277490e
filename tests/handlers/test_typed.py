"""Typed answers to offered buttons, and what a message says about the form (pure functions)."""

from __future__ import annotations

import pytest

from core.conversation import Conversation, Offer
from core.messages import Role
from handlers.mind import Mind, correction_parts, read_mind
from handlers.typed import choose, yes_or_no

EDUCATION = [
    Offer(f"form_option|t|{code}", label)
    for code, label in (
        ("ilkokul", "İlkokul"),
        ("ortaokul", "Ortaokul"),
        ("lise", "Lise"),
        ("onlisans", "Ön lisans"),
        ("lisans", "Lisans"),
        ("yuksek_lisans", "Yüksek lisans"),
        ("", "Geç"),
    )
]
EMPLOYMENT = [
    Offer(f"form_option|t|{code}", label)
    for code, label in (
        ("calisiyor", "Çalışıyorum"),
        ("issiz", "İş arıyorum"),
        ("ogrenci", "Öğrenciyim"),
        ("emekli", "Emekliyim"),
        ("ev", "Ev hanımıyım"),
        ("", "Geç"),
    )
]
CONSENT = [
    Offer("consent|t|y", "Onaylıyorum", Role.YES),
    Offer("consent|t|n", "Onaylamıyorum", Role.NO),
]
LEAVE = [
    Offer("leave|t|y", "Evet, kapat", Role.YES),
    Offer("leave|t|n", "Hayır, devam et", Role.NO),
]
LIST = [
    Offer("crs|ileri-excel", "İleri Excel"),
    Offer("crs|keman", "Keman"),
    Offer("pg|2", "Daha fazla", Role.MORE),
]
OFFERINGS = [
    Offer("apply_course|t|a", "Gaziemir · 8 Ara · Pzt-Çar 09.30 · 12 yer"),
    Offer("apply_course|t|b", "Bayındır · 9 Ara · Sal 18.30 · 3 yer"),
    Offer("apply_course|t|c", "Çeşme · 10 Oca · Cmt 10.00 · dolu, yedek liste"),
]


def label(text: str, offers: list[Offer]) -> str | None:
    offer = choose(text, offers)
    return offer.label if offer else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", "Lise"),
        ("3.", "Lise"),
        ("3 numara", "Lise"),
        ("ikincisi", "Ortaokul"),
        ("sonuncusu", "Geç"),
        ("lise mezunuyum", "Lise"),
        ("lisans mezunuyum", "Lisans"),
        ("yüksek lisans mezunuyum", "Yüksek lisans"),
        ("ortaokl", "Ortaokul"),
        ("lise değil ön lisans", "Ön lisans"),
        ("lise değil", None),
        ("lise mezunu olmayanlar katılabilir mi", None),
        ("9", None),
    ],
)
def test_an_education_answer_typed_in_words_or_numbers(text: str, expected: str | None) -> None:
    assert label(text, EDUCATION) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("çalışıyorum", "Çalışıyorum"),
        ("calisiyom", "Çalışıyorum"),
        ("is ariyorum su an", "İş arıyorum"),
        ("ogrenciyim daha", "Öğrenciyim"),
        ("emekli", "Emekliyim"),
        ("şu an çalışmıyorum", None),  # one letter from the label, the opposite meaning
    ],
)
def test_the_employment_label_typed_is_the_button(text: str, expected: str | None) -> None:
    assert label(text, EMPLOYMENT) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("evet onaylıyorum", "Onaylıyorum"),
        ("kabul ediyorum tamam", "Onaylıyorum"),
        ("olur onay veriyorum", "Onaylıyorum"),
        ("tmm", "Onaylıyorum"),
        ("kabul etmiyorum", "Onaylamıyorum"),
        ("hayir istemiyorum", "Onaylamıyorum"),
        ("evet ama bilgilerim nerede saklanıyor?", None),
    ],
)
def test_yes_and_no_words_press_the_buttons_with_those_roles(text: str, expected: str) -> None:
    assert label(text, CONSENT) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("evet eminim silin", True),
        ("tamamdir gonderin", True),
        ("evet dogru gonderebilirsiniz", True),
        ("sorun yok", True),
        ("hayır silmeyin", False),
        ("emin değilim", False),
        ("Ayşe Yılmaz", None),  # "-maz" is not a "no" in a name
        ("kurslar ücretli mi", None),
    ],
)
def test_yes_or_no_reads_negation(text: str, expected: bool | None) -> None:
    assert yes_or_no(text) is expected


def test_devam_at_the_leave_question_keeps_the_form() -> None:
    assert label("devam etmek istiyorum", LEAVE) == "Hayır, devam et"
    assert label("evet kapat", LEAVE) == "Evet, kapat"


@pytest.mark.parametrize("text", ["daha fazla", "diğer sayfayı göster", "sonraki", "devamı"])
def test_daha_fazla_typed_presses_the_next_page(text: str) -> None:
    assert label(text, LIST) == "Daha fazla"


def test_a_question_naming_an_offered_course_is_not_a_press() -> None:
    assert label("ileri excel nerede", LIST) is None
    assert label("excel", LIST) == "İleri Excel"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gaziemirdeki", "Gaziemir · 8 Ara · Pzt-Çar 09.30 · 12 yer"),
        ("cesmedeki olsun", "Çeşme · 10 Oca · Cmt 10.00 · dolu, yedek liste"),
        ("ikinci olan", "Bayındır · 9 Ara · Sal 18.30 · 3 yer"),
        ("merhaba", None),
    ],
)
def test_a_centre_typed_picks_the_offering(text: str, expected: str | None) -> None:
    assert label(text, OFFERINGS) == expected


def test_offers_stored_before_labels_were_kept_still_read() -> None:
    stored: tuple[object, ...] = ("consent|t|y", ["consent|t|n", "Onaylamıyorum", "no"])
    conv = Conversation(offered=stored)  # type: ignore[arg-type]  # as JSON gives them back
    assert conv.offered == (
        Offer("consent|t|y"),
        Offer("consent|t|n", "Onaylamıyorum", Role.NO),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vazgeçtim", Mind.LEAVE),
        ("ya bosver vazgectim", Mind.LEAVE),
        ("iptal etcem bunu", Mind.LEAVE),
        ("başvuruyu yarıda bırakmak istiyorum", Mind.LEAVE),
        ("istemiyorum", Mind.LEAVE),
        ("sonra devam ederim", Mind.LEAVE),
        ("belirtmek istemiyorum", None),  # an optional answer skipped, not the form
        ("başka kursa başvurmak istiyorum", Mind.OTHER_COURSE),
        ("başka merkezde olsun", Mind.OTHER_OFFERING),
        ("kursu bırakırsam ne olur?", None),  # a question about leaving is a question
        ("Burak Koç", None),
    ],
)
def test_what_a_message_says_about_the_form(text: str, expected: Mind | None) -> None:
    assert read_mind(text) is expected


def test_x_degil_y_puts_what_follows_first() -> None:
    assert correction_parts("ön muhasebe değil excel istiyordum") == [
        "excel istiyordum",
        "ön muhasebe",
    ]
    assert correction_parts("excel istiyorum") == []
