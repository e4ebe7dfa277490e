"""Every message key the course, centre, FAQ and form journeys use exists in every locale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handlers.courses_filter import AUDIENCES, RELATIVE_DATES, TIMES_OF_DAY
from locales import load_translator

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(
    [ROOT / "handlers" / "centers.py", ROOT / "handlers" / "faq.py"]
    + list((ROOT / "handlers").glob("courses*.py"))
)
KEY = re.compile(r"""\bctx\.t\(\s*["']([\w.]+)["']""")
# Keys built at run time: f"courses.cond_{cue}".
DYNAMIC = {
    f"courses.cond_{c}" for c in (*TIMES_OF_DAY, *RELATIVE_DATES, *AUDIENCES, "weekend", "weekdays")
}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for module in MODULES:
        keys |= set(KEY.findall(module.read_text(encoding="utf-8")))
    return keys | DYNAMIC


def test_scan_finds_keys() -> None:
    keys = used_keys()
    assert "courses.none_planned" in keys
    assert "centers.ask_location" in keys
    assert "faq.branch_min_age" in keys


@pytest.mark.parametrize("locale", load_translator().locales)
def test_every_used_key_exists(locale: str) -> None:
    missing = sorted(k for k in used_keys() if not load_translator().has(k, locale))
    assert missing == []


def test_no_conditional_key_escapes_the_scan() -> None:
    # A key chosen by an expression must be a literal on each side so the scan sees it.
    for module in MODULES:
        for line in module.read_text(encoding="utf-8").splitlines():
            if "ctx.t(" in line and 'ctx.t(f"' in line:
                assert "courses.cond_" in line, line


def test_placeholders_are_the_ones_code_passes() -> None:
    translator = load_translator()
    for key in used_keys():
        text = translator(key, "tr")
        assert text != key
        assert "{{" not in text


FORM_MODULES = sorted(
    [ROOT / "handlers" / "mind.py", ROOT / "bot" / "routing.py"]
    + list((ROOT / "handlers").glob("apply*.py"))
)
FORM_KEY = re.compile(r"""["']((?:apply|engine)\.\w+)["']""")


@pytest.mark.parametrize("locale", load_translator().locales)
def test_every_key_the_form_names_exists(locale: str) -> None:
    keys = {k for m in FORM_MODULES for k in FORM_KEY.findall(m.read_text(encoding="utf-8"))}
    assert "apply.ask_women_only" in keys
    missing = sorted(k for k in keys if not load_translator().has(k, locale))
    assert missing == []


# --- Every language has every sentence, with the same placeholders -------------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")
OTHER_LOCALES = [lang for lang in load_translator().locales if lang != "tr"]


def placeholders(locale: str, key: str) -> set[str]:
    return {p for form in load_translator().forms(key, locale) for p in PLACEHOLDER.findall(form)}


def test_english_and_arabic_exist() -> None:
    assert {"tr", "en", "ar"} <= set(load_translator().locales)


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_no_message_id_is_missing_or_stale(locale: str) -> None:
    translator = load_translator()
    assert sorted(translator.keys("tr") - translator.keys(locale)) == []  # missing
    assert sorted(translator.keys(locale) - translator.keys("tr")) == []  # stale


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_placeholders_are_the_same_in_every_language(locale: str) -> None:
    translator = load_translator()
    differ = {
        key: (placeholders("tr", key), placeholders(locale, key))
        for key in translator.keys("tr")
        if placeholders("tr", key) != placeholders(locale, key)
    }
    assert differ == {}


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_no_translation_is_empty_or_left_in_turkish(locale: str) -> None:
    translator = load_translator()
    same = [
        k
        for k in translator.keys("tr")
        if not k.startswith("language.name_")
        and translator.forms(k, locale)[0] == translator.forms(k, "tr")[0]
        and PLACEHOLDER.sub("", translator.forms(k, "tr")[0]).strip(" •—()/:,.\n")
    ]
    assert same == []
    assert all(all(f.strip() for f in translator.forms(k, locale)) for k in translator.keys("tr"))


def test_plural_forms_follow_the_language() -> None:
    t = load_translator()
    assert t("courses.seats_left", "en", seats=1) == "1 seat left."
    assert t("courses.seats_left", "en", seats=3) == "3 seats left."
    assert t("courses.seats_left", "ar", seats=2) == "بقي مقعدان (2)."
    assert t("courses.seats_left", "ar", seats=7) == "بقي 7 مقاعد."
    assert t("courses.seats_left", "ar", seats=11) == "بقي 11 مقعدًا."
    assert len(t.forms("courses.seats_left", "ar")) == 6
    assert t("courses.seats_left", "tr", seats=1) == "1 kişilik yer kaldı."


def test_arabic_isolates_turkish_names_and_numbers() -> None:
    t = load_translator()
    text = t("apply.offering_switched", "ar", centre="Buca Kurs Merkezi", date="7 ديسمبر")
    assert "\u2068Buca Kurs Merkezi\u2069" in text
    assert "\u20687\u2069 ديسمبر" in text  # in a partly Arabic value, each Latin/digit run
    assert "\u2068Buca\u2069، مساءً" in t("courses.list_empty", "ar", conditions="Buca، مساءً")
    # Arabic-only values and multi-line blocks are left alone; other languages never isolate.
    assert "\u2068" not in t("courses.list_empty", "ar", conditions="مساءً")
    assert "\u2068" not in t("classes.next", "ar", lines="• 8 — Barista\n• 9 — Heykel")
    assert "\u2068" not in t("apply.offering_switched", "en", centre="Buca", date="7 Dec")
