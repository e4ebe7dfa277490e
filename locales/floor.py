"""The English and Arabic floor: short answers and a course-word glossary (locales/floor.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from core.yaml_bounds import BoundedSafeLoader

LANGUAGES = ("en", "ar")
_TEXTS = ("about", "course_dates", "course_item", "no_dates", "how")
_BUTTONS = ("courses", "apply", "human")


@dataclass(frozen=True, slots=True)
class Floor:
    """One language's floor sentences and button labels."""

    about: str
    course_dates: str
    course_item: str
    no_dates: str
    how: str
    buttons: dict[str, str]


@dataclass(frozen=True, slots=True)
class FloorContent:
    """The floor of every language and the glossary of course words."""

    languages: dict[str, Floor]
    words: dict[str, str]  # an English or Arabic word (or two) -> Turkish words


class FloorContentError(ValueError):
    """locales/floor.yaml is malformed; the message names the key."""


@cache
def load_floor() -> FloorContent:
    """Reads and checks locales/floor.yaml once."""
    raw = resources.files(__package__).joinpath("floor.yaml").read_text(encoding="utf-8")
    return parse_floor(yaml.load(raw, Loader=BoundedSafeLoader))


def parse_floor(data: Any) -> FloorContent:
    """Checks the floor content: every language has every sentence and button label."""
    if not isinstance(data, dict):
        raise FloorContentError("locales/floor.yaml: not a mapping")
    languages: dict[str, Floor] = {}
    for lang in LANGUAGES:
        entry = data.get(lang)
        if not isinstance(entry, dict):
            raise FloorContentError(f"locales/floor.yaml: {lang} is missing")
        texts = {k: entry.get(k) for k in _TEXTS}
        raw_buttons = entry.get("buttons")
        buttons: dict[str, Any] = raw_buttons if isinstance(raw_buttons, dict) else {}
        bad = [k for k, v in texts.items() if not isinstance(v, str) or not v.strip()]
        if any(not isinstance(buttons.get(b), str) for b in _BUTTONS):
            bad.append("buttons")
        if bad:
            raise FloorContentError(f"locales/floor.yaml: {lang}: missing {', '.join(bad)}")
        languages[lang] = Floor(
            **{k: str(v).strip() for k, v in texts.items()},
            buttons={b: str(buttons[b]) for b in _BUTTONS},
        )
    words = data.get("words") or {}
    if not isinstance(words, dict):
        raise FloorContentError("locales/floor.yaml: words is not a mapping")
    return FloorContent(languages, {str(k).lower(): str(v) for k, v in words.items()})
