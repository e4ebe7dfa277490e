"""The application form's checks: national id, dates, phones, names, masking."""

from __future__ import annotations

from datetime import date

import pytest

from core.checks import (
    age_on,
    clean_name,
    mask_id,
    mask_national_ids,
    national_id_problem,
    normalise_phone,
    parse_birth_date,
)
from tests.idnumbers import FOREIGNER_ID, OTHER_VALID_ID, VALID_ID


def test_known_valid_number() -> None:
    assert VALID_ID == "12345678950"
    assert national_id_problem(VALID_ID) is None
    assert national_id_problem(OTHER_VALID_ID) is None
    assert national_id_problem("123 456 789 50") is None


def test_foreigner_numbers_starting_with_99_are_accepted() -> None:
    assert FOREIGNER_ID.startswith("99")
    assert national_id_problem(FOREIGNER_ID) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("12345678951", "checksum"),
        ("1234567895", "length"),
        ("123456789500", "length"),
        ("02345678950", "first_zero"),
        ("1234S678950", "not_digits"),
        ("", "not_digits"),
        ("on bir", "not_digits"),
    ],
)
def test_bad_numbers_say_why(text: str, problem: str) -> None:
    assert national_id_problem(text) == problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.05.1998", date(1998, 5, 12)),
        ("12/05/1998", date(1998, 5, 12)),
        ("1.5.1998", date(1998, 5, 1)),
        ("12 Mayıs 1998", date(1998, 5, 12)),
        ("12 mayis 1998", date(1998, 5, 12)),
        ("3 ARALIK 2001", date(2001, 12, 3)),
        ("1998-05-12", date(1998, 5, 12)),
    ],
)
def test_birth_dates_in_common_forms(text: str, expected: date) -> None:
    assert parse_birth_date(text) == expected


@pytest.mark.parametrize(
    "text", ["30.02.1998", "12.13.1998", "yarın", "12 Mayıs", "99/99/9999", ""]
)
def test_impossible_dates_are_refused(text: str) -> None:
    assert parse_birth_date(text) is None


def test_age_counts_full_years() -> None:
    assert age_on(date(2010, 12, 2), date(2026, 12, 1)) == 15
    assert age_on(date(2010, 12, 1), date(2026, 12, 1)) == 16


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("0532 123 45 67", "+905321234567"),
        ("5321234567", "+905321234567"),
        ("+90 532 123 45 67", "+905321234567"),
        ("(0232) 293 12 34", "+902322931234"),
    ],
)
def test_turkish_phones_become_e164(text: str, e164: str) -> None:
    assert normalise_phone(text) == e164


@pytest.mark.parametrize("text", ["+49 151 23456789", "12345", "telefonum yok", "0532 123"])
def test_foreign_or_broken_phones_are_refused(text: str) -> None:
    assert normalise_phone(text) is None


def test_names_are_title_cased_the_turkish_way() -> None:
    assert clean_name("ayşe yılmaz") == "Ayşe Yılmaz"
    assert clean_name("IŞIL İNCE") == "Işıl İnce"
    assert clean_name("iptal") is None
    assert clean_name("Ali 123") is None
    assert clean_name("a" * 100) is None


def test_masking_keeps_two_digits_each_side() -> None:
    assert mask_id(VALID_ID) == "12*******50"


def test_valid_ids_in_free_text_are_masked_and_other_numbers_kept() -> None:
    text = f"TC {VALID_ID}, eşiminki 123 456 789 50; tel 05321234567, no 12345678951"
    assert mask_national_ids(text) == (
        "TC 12*******50, eşiminki 12*******50; tel 05321234567, no 12345678951"
    )
