"""Turkish normalisation: casing, folding, apostrophes, suffixes, shorthand, junk characters."""

from __future__ import annotations

import pytest

from nlu.morph import is_chain, root
from nlu.text import MAX_TOKENS, clean, fold, normalize, squeeze, tokens, tr_lower


@pytest.mark.parametrize(
    ("text", "lowered"),
    [
        ("İSTANBUL", "istanbul"),
        ("IŞIK", "ışık"),
        ("İLERİ EXCEL", "ileri excel"),
        ("KIRAZ", "kıraz"),
        ("I\u0307zmir", "izmir"),  # decomposed capital dotted I
        ("Çiğli ÖDEMİŞ", "çiğli ödemiş"),
    ],
)
def test_tr_lower_handles_dotted_and_dotless_i(text: str, lowered: str) -> None:
    assert tr_lower(text) == lowered


def test_python_lower_is_wrong_for_turkish() -> None:
    assert "İ".lower() != "i"
    assert tr_lower("İ") == "i"
    assert "I".lower() == "i"
    assert tr_lower("I") == "ı"


def test_fold_removes_turkish_letters_and_accents() -> None:
    assert fold("çğıöşü âîû") == "cgiosu aiu"
    assert fold("français") == "francais"


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("Buca'da", "buca"),
        ("Ödemiş’te kurs var mı?", "ödemiş kurs var mı"),
        ("barista!!! kursu???", "barista kursu"),
        ("mer\u200bhaba\u200d", "merhaba"),
        ("kurs\x00\x07 var", "kurs var"),
        ("😀 barista 🎉☕", "barista"),
        ("merhabaaaaa", "merhabaa"),
        ("   ", ""),
    ],
)
def test_clean(text: str, cleaned: str) -> None:
    assert clean(text) == cleaned


def test_tokens_expand_chat_shorthand() -> None:
    assert tokens("mrb") == ["merhaba"]
    assert tokens("slm tşk") == ["selam", "tesekkurler"]
    assert tokens("barista kursu varmı") == ["barista", "kursu", "var", "mi"]
    assert tokens("bi bilgi") == ["bir", "bilgi"]
    assert normalize("Kib nbr") == "kendine iyi bak ne haber"


def test_squeeze_collapses_doubled_letters() -> None:
    assert squeeze("merhabaa") == "merhaba"
    assert squeeze("2000") == "2000"


def test_tokens_are_capped() -> None:
    assert len(tokens("kurs " * 5000)) == MAX_TOKENS


@pytest.mark.parametrize(
    "text",
    ["", "x" * 10_000, "😀" * 500, "مرحبا كيف حالك", "\x00\x01\x02", "\ud800", "\u200b" * 50],
)
def test_normalisation_never_raises(text: str) -> None:
    assert isinstance(normalize(text), str)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("kaynakciligi", "kaynak"),
        ("kaynakcilik", "kaynak"),
        ("pastacilik", "pasta"),
        ("kuaforluk", "kuafor"),
        ("operatorlugu", "operator"),
        ("hizmetleri", "hizmet"),
        ("asci", "asci"),
    ],
)
def test_catalog_roots(word: str, expected: str) -> None:
    assert root(word) == expected


@pytest.mark.parametrize(("rest", "ok"), [("", True), ("una", True), ("larinda", True)])
def test_suffix_chains(rest: str, ok: bool) -> None:
    assert is_chain(rest) is ok


def test_non_suffixes_are_not_chains() -> None:
    assert not is_chain("xyz")
    assert not is_chain("lama" * 5)


def test_e_devlet_is_one_word_never_the_e_of_e_fatura() -> None:
    assert tokens("Sertifika e-devlete düşer mi") == ["sertifika", "edevlete", "duser", "mi"]
    assert tokens("e devlet şifresi") == ["edevlet", "sifresi"]
    assert tokens("e-fatura kursu") == ["e", "fatura", "kursu"]
