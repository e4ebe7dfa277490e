"""District names: official spelling, suffixes, typos and "outside İzmir"."""

from __future__ import annotations

import pytest

from nlu import DISTRICTS, is_outside_izmir, match_district


def test_thirty_official_districts() -> None:
    assert len(DISTRICTS) == 30
    assert {"Karşıyaka", "Çiğli", "Ödemiş"} <= set(DISTRICTS)


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("Karşıyaka", "Karşıyaka"),
        ("karsiyaka", "Karşıyaka"),
        ("KARŞIYAKA", "Karşıyaka"),
        ("bornva", "Bornova"),
        ("Buca'da oturuyorum", "Buca"),
        ("bucada", "Buca"),
        ("gaziemirde", "Gaziemir"),
        ("karabağlarda", "Karabağlar"),
        ("ödemiş'te", "Ödemiş"),
        ("odemiste", "Ödemiş"),
        ("cigli", "Çiğli"),
        ("konağa yakın", "Konak"),
        ("torbalıdayım", "Torbalı"),
    ],
)
def test_match_district(text: str, district: str) -> None:
    assert match_district(text) == district


@pytest.mark.parametrize("text", ["izmir dışı", "İzmir dışındayım", "istanbul", "ankara'da"])
def test_outside_izmir(text: str) -> None:
    assert match_district(text) is None
    assert is_outside_izmir(text)


@pytest.mark.parametrize("text", ["", "merhaba", "dikiş", "😀", "konaklama"])
def test_no_district(text: str) -> None:
    assert match_district(text) is None
    assert not is_outside_izmir(text)


def test_izmir_district_is_not_outside() -> None:
    assert not is_outside_izmir("bornova")
