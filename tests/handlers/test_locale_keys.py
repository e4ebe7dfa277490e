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
