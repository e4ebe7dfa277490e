"""The dialogue checker's vocabulary on hand-written replies and a small catalog."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.dialogue.asks import asked_kinds
from tests.dialogue.expect import check
from tests.dialogue.facts import Branch, Centre, Facts, Offering
from tests.dialogue.text import fold

FACTS = Facts(
    branches={
        b.id: b
        for b in (
            Branch("pastacilik", "Pastacılık"),
            Branch("barista", "Barista"),
            Branch("ic-mekan-tasarimi", "İç Mekân Tasarımı"),
            Branch("sekreterlik", "Sekreterlik"),
            Branch("tibbi-sekreterlik", "Tıbbi Sekreterlik"),
        )
    },
    centres={
        c.id: c
        for c in (
            Centre("buca", "Buca Kurs Merkezi", "Buca", "Buca merkez", 38.388, 27.175),
            Centre(
                "halkapinar",
                "Halkapınar Kurs Merkezi",
                "Konak",
                "Halkapınar, fabrika",
                38.435,
                27.166,
            ),
            Centre(
                "bayrakli", "Bayraklı Kurs Merkezi", "Bayraklı", "Bayraklı merkez", 38.462, 27.165
            ),
            Centre("evka-4", "Evka 4 Kurs Merkezi", "Bornova", "Evka 4", 38.477, 27.229),
            Centre("cesme", "Çeşme Kurs Merkezi", "Çeşme", "Çeşme merkez", 38.323, 26.303),
        )
    },
    offerings=(
        Offering("p1", "pastacilik", "bayrakli", date(2027, 2, 22), "open"),
        Offering("p2", "pastacilik", "halkapinar", date(2027, 4, 1), "open"),
        Offering("p3", "pastacilik", "cesme", date(2026, 12, 7), "open"),
        Offering("p4", "pastacilik", "evka-4", date(2026, 11, 20), "closed"),  # started
        Offering("b1", "barista", "buca", date(2026, 12, 8), "open"),
        Offering("b2", "barista", "cesme", date(2027, 1, 9), "cancelled"),
    ),
    today=date(2026, 12, 6),
    fields=("Mobilya ve İç Mekân Tasarımı", "Yiyecek İçecek Hizmetleri"),
)


def fails(expect: dict[str, Any], text: str, labels: tuple[str, ...] = ()) -> list[str]:
    reply = {"text": text, "buttons": [{"label": lb, "data": f"x|{lb}"} for lb in labels]}
    return check(expect, [reply], FACTS)


def test_fold_ignores_case_and_turkish_letters() -> None:
    assert fold("İLERİ Excel'e ŞIĞ ÇÖÜ") == "ileri excel'e sig cou"


def test_mentions_branch_in_text_or_buttons_with_suffixes() -> None:
    assert not fails({"mentions_branch": "pastacilik"}, "PASTACILIK kursu")
    assert not fails({"mentions_branch": "Pastacılık"}, "pastacılığa başvurun")
    assert not fails({"mentions_branch": ["barista", "pastacilik"]}, "Barista'ya", ("Pastacılık",))
    assert fails({"mentions_branch": "barista"}, "Pastacılık")


def test_only_branch_ignores_names_inside_longer_names() -> None:
    assert not fails({"only_branch": "tibbi-sekreterlik"}, "Tıbbi Sekreterlik kursu")
    assert not fails({"only_branch": "barista"}, "Mobilya ve İç Mekân Tasarımı alanı, Barista")
    assert fails({"only_branch": "barista"}, "Barista ve Pastacılık")


def test_lists_branch_first_skips_excluded_names() -> None:
    expect = {"lists_branch_first": "pastacilik"}
    assert not fails(expect, "Barista değil, Pastacılık: 7 Aralık")
    assert not fails(expect, "Barista kursu yerine Pastacılık")
    assert not fails(expect, "Barista'yı istemiyorsunuz; Pastacılık olabilir")
    assert fails(expect, "Barista ve Pastacılık")
    assert fails(expect, "Hiçbir kurs")


@pytest.mark.parametrize(
    "text",
    ["7 Aralık'ta başlıyor", "7 ARA", "07.12.2026", "7.12", "1.4.2027", "01.04",
     "Starts on 7 December", "Dec 7th", "December 7", "يبدأ في ٧ ديسمبر", "٧ كانون الأول",
     "22 Şubat"],
)  # fmt: skip
def test_start_date_forms(text: str) -> None:
    assert not fails({"mentions_start_date_of": "pastacilik"}, text)


@pytest.mark.parametrize(
    "text", ["17 Aralık", "27.12", "7 Ocak", "saat 18.30", "9 Ocak", "Sayfa 1/4", "1.4", "7/12"]
)
def test_other_dates_do_not_count(text: str) -> None:
    assert fails({"mentions_start_date_of": "pastacilik"}, text)
    # b2 is cancelled: its date is no barista date
    assert fails({"mentions_start_date_of": "barista"}, text)


def test_mentions_centre_of_by_name_short_name_or_address() -> None:
    assert not fails({"mentions_centre_of": "pastacilik"}, "Bayraklı Kurs Merkezi")
    assert not fails({"mentions_centre_of": "pastacilik"}, "Çeşme'de")
    assert not fails({"mentions_centre_of": "pastacilik"}, "adres: Halkapınar, fabrika")
    assert fails({"mentions_centre_of": "pastacilik"}, "Buca Kurs Merkezi")
    assert fails({"mentions_centre_of": "barista"}, "Çeşme Kurs Merkezi")  # cancelled there


def test_nearest_centre_of_takes_the_first_named_within_a_kilometre() -> None:
    expect = {"nearest_centre_of": ["pastacilik", "Bornova"]}
    # Evka 4 (Bornova) only has a course that started already; Bayraklı is the nearest.
    assert not fails(expect, "Evka 4 yok. En yakın: Bayraklı Kurs Merkezi, sonra Halkapınar")
    assert fails(expect, "Halkapınar Kurs Merkezi, Bayraklı Kurs Merkezi")
    assert fails(expect, "Pastacılık kursları")
    assert not fails({"nearest_centre_of": ["pastacilik", "Bayraklı"]}, "Bayraklı merkez")


def test_mentions_any_all_not_mentions_buttons_include() -> None:
    assert not fails({"mentions_any": ["ücretsiz", "yok"]}, "Kurslar UCRETSIZ")
    assert fails({"mentions_all": ["ucretsiz", "sertifika"]}, "ücretsiz")
    assert fails({"not_mentions": ["Barista"]}, "", ("Barista",))
    assert not fails({"buttons_include": ["gönder"]}, "özet", ("Gönder", "Düzelt"))
    assert fails({"buttons_include": ["gönder"]}, "Gönder")


CONSENT = (
    "Kişisel verileriniz hakkında (KVKK aydınlatma metni):\nAdınızı, T.C. kimlik numaranızı, "
    "doğum tarihinizi ve telefonunuzu kaydedeceğim.\n\nBu bilgilerin işlenmesine onay veriyor "
    "musunuz?"
)
SUMMARY = (
    "Başvurunuzu kontrol edin:\nKurs: Barista\nMerkez: Buca Kurs Merkezi\nAd soyad: Ayşe Yılmaz"
    "\nT.C. kimlik no: 12*******50\nTelefon: +905321234567\nİlçe: Bornova\n\nBilgiler doğruysa "
    "gönderin."
)


@pytest.mark.parametrize(
    ("text", "buttons", "kinds"),
    [
        ("Adınız ve soyadınız nedir?", 0, {"name"}),
        ("T.C. kimlik numaranızı yazar mısınız? (11 haneli)", 0, {"tckn"}),
        ("Doğum tarihiniz nedir? Örneğin: 12.05.1998", 0, {"birth"}),
        ("Size ulaşabileceğimiz telefon numaranız nedir?", 0, {"phone"}),
        ("Hangi ilçede oturuyorsunuz? Örneğin: Buca.", 0, {"district"}),
        ("Eğitim durumunuz nedir?", 6, {"education"}),
        ("Şu an çalışıyor musunuz?", 5, {"employment"}),
        (CONSENT, 2, {"consent"}),
        (CONSENT, 0, set()),
        (SUMMARY, 2, {"confirm"}),
        ("Ad soyad: Ayşe Yılmaz\nTelefon: 0532", 0, set()),
        ("Hangi ilçedeki kursları görmek istersiniz?", 0, set()),
        ("Telefonla da başvurabilirsiniz.", 0, set()),
    ],
)
def test_asked_kinds(text: str, buttons: int, kinds: set[str]) -> None:
    reply = {"text": text, "buttons": [{"label": str(n), "data": str(n)} for n in range(buttons)]}
    assert asked_kinds(reply) == kinds


def test_asks_for_reads_the_last_message_only() -> None:
    replies = [{"text": "Adınız ve soyadınız nedir?"}, {"text": "Kurslar ücretsizdir."}]
    assert check({"asks_for": "name"}, replies, FACTS)
    assert not check({"not_asks_for": "form"}, replies, FACTS)
    assert not check({"asks_for": "form"}, replies[:1], FACTS)


def test_application_number_and_fallback() -> None:
    assert not fails({"application_number": True}, "Başvuru numaranız: MF-2026-000123")
    assert fails({"application_number": True}, "Başvuru numaranız: 123")
    assert fails({"no_fallback": True}, "Bunu anlayamadım. Menüden seçebilirsiniz.")
    assert fails({"no_fallback": True}, "Lütfen seçeneklerden birini seçin.")
    assert not fails({"no_fallback": True}, "Pastacılık 7 Aralık'ta başlıyor.")


def test_language() -> None:
    english = "Meslek Fabrikası offers free courses. You can apply here: Pastacılık starts 7 Dec."
    assert not fails({"language": "en"}, english)
    assert fails({"language": "en"}, "Kurslar ücretsizdir ve bu kurs için başvuru var.")
    assert not fails({"language": "ar"}, "الدورات مجانية. اتصل بـ 153 أو Meslek Fabrikası")
    assert fails({"language": "ar"}, "Bu konuda yardımcı olamıyorum.")
