"""The FAQ content file: every frequently asked topic as data, read once and checked at start.

`locales/faq.<lang>.yaml` is staff-editable. Each key is a topic's name, which ``understand``
prints as the intent ("faq_cost"); a topic holds its trigger patterns, its place in the FAQ
menu, the answer, the next step, buttons, and what to add when a course is named. Two keys
are not topics but the answers of built-in intents (`employment`, `out_of_scope`), whose
trigger words and decision rules stay in `nlu/`. A new topic is one more key in the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from core.actions import Action
from core.intents import COURSE_QUESTION, Intent
from core.yaml_bounds import BoundedSafeLoader
from locales import DEFAULT_LOCALE
from nlu.intents import PatternError, parse_pattern_lines

# Intents answered from the file without being topics: their words are in nlu/lexicon.py.
# `course_question` answers a question about the courses the assistant has no answer to
# ("derslerde çay molası var mı"): the out-of-scope intent with that topic (nlu/understand.py).
BUILT_IN: tuple[str, ...] = (Intent.EMPLOYMENT, Intent.OUT_OF_SCOPE, COURSE_QUESTION)
# Where a FAQ button may lead: fixed actions, another answer ("faq_cost"), or "center:<id>".
TARGETS: dict[str, tuple[str, ...]] = {
    "courses": (Action.PAGE, "1"),
    "nearest": (Action.NEAR,),
    "human": (Action.ASK, Intent.TALK_TO_HUMAN),
}
# What an answer may add when the question names a course (handlers/faq.py adds them).
WITH_COURSE = ("min_age", "attendance", "dates_button", "seats")
MAX_BUTTONS = 3
MAX_LABEL = 20  # WhatsApp reply-button titles
MAX_NAME = 40  # a name travels in button payloads ("faq|<name>", 64 bytes on Telegram)
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_ENTRY_KEYS = frozenset({"patterns", "menu", "answer", "next", "buttons", "with_course"})
_BUTTON_KEYS = frozenset({"label", "to"})
_MENU_KEYS = frozenset({"title", "order"})


class FaqContentError(ValueError):
    """The FAQ content file is malformed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class FaqButton:
    label: str
    to: str


@dataclass(frozen=True, slots=True)
class MenuItem:
    title: str
    order: int


@dataclass(frozen=True, slots=True)
class FaqEntry:
    answer: str
    next: str = ""
    buttons: tuple[FaqButton, ...] = ()
    patterns: str = ""  # a topic's trigger lines; empty for a built-in intent's answer
    menu: MenuItem | None = None  # its place in the FAQ menu, if it has one
    with_course: tuple[str, ...] = ()  # of WITH_COURSE


@cache
def load_faq(locale: str = DEFAULT_LOCALE) -> Mapping[str, FaqEntry]:
    """Reads and validates locales/faq.<locale>.yaml once (falls back to Turkish)."""
    root = resources.files(__package__)
    name = f"faq.{locale}.yaml"
    if not root.joinpath(name).is_file():
        name = f"faq.{DEFAULT_LOCALE}.yaml"
    return parse_faq(root.joinpath(name).read_text(encoding="utf-8"), f"locales/{name}")


def topic_patterns(locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    """Returns every topic's trigger patterns by name, for building the language index, and
    those of every other language's FAQ file under "<lang>:<topic>" (nlu/foreign.py reads
    them as phrases standing for the topic)."""
    out = {name: e.patterns for name, e in load_faq(locale).items() if e.patterns}
    for lang in other_languages(locale):
        for name, entry in load_faq(lang).items():
            if entry.patterns:
                out[f"{lang}:{name}"] = entry.patterns
    return out


def other_languages(locale: str = DEFAULT_LOCALE) -> list[str]:
    """The languages with a FAQ file of their own, but `locale`."""
    names = (e.name for e in resources.files(__package__).iterdir())
    found = (n[4:-5] for n in names if n.startswith("faq.") and n.endswith(".yaml"))
    return sorted(lang for lang in found if lang != locale)


def menu_items(entries: Mapping[str, FaqEntry]) -> list[tuple[str, str]]:
    """Returns the FAQ menu as (name, title) pairs, by order, then by place in the file."""
    listed = sorted(
        (e.menu.order, n, name, e.menu.title)
        for n, (name, e) in enumerate(entries.items())
        if e.menu is not None
    )
    return [(name, title) for _, _, name, title in listed]


def parse_faq(text: str, source: str) -> dict[str, FaqEntry]:
    """Validates FAQ content; raises FaqContentError naming the file and the bad key."""
    try:
        data: Any = yaml.load(text, Loader=BoundedSafeLoader)
    except yaml.YAMLError as exc:
        raise FaqContentError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise FaqContentError(f"{source}: expected a mapping of topics to answers")
    bad = [repr(k) for k in data if not isinstance(k, str) or not _NAME.match(k)]
    bad += [repr(k) for k in data if isinstance(k, str) and len(k) > MAX_NAME]
    if bad:
        raise FaqContentError(
            f"{source}: bad key(s) {', '.join(bad)}: a name is lowercase letters, digits and _, "
            f"at most {MAX_NAME} characters"
        )
    taken = sorted(k for k in data if k in frozenset(Intent) and k not in BUILT_IN)
    if taken:
        raise FaqContentError(f"{source}: {', '.join(taken)}: the name of an intent, not a topic")
    names = frozenset(data)
    entries = {k: _entry(k, data[k], f"{source}: {k}", names) for k in data}
    unknown = [k for k, e in entries.items() if not e.patterns and k not in BUILT_IN]
    if unknown:
        raise FaqContentError(
            f"{source}: unknown key(s) {', '.join(unknown)}: a topic needs patterns (the words "
            f"that ask for it); the answers without patterns are {', '.join(BUILT_IN)}"
        )
    missing = [k for k in BUILT_IN if k not in data]
    if missing:
        raise FaqContentError(f"{source}: no answer for {', '.join(missing)}")
    return entries


def _entry(name: str, raw: Any, where: str, names: frozenset[str]) -> FaqEntry:
    """Validates one topic (or built-in answer) of the file."""
    if not isinstance(raw, dict):
        raise FaqContentError(f"{where}: expected answer, next and buttons")
    extra = sorted(str(k) for k in raw if k not in _ENTRY_KEYS)
    if extra:
        raise FaqContentError(f"{where}: unknown field(s) {', '.join(extra)}")
    text = raw.get("answer")
    if not isinstance(text, str) or not text.strip():
        raise FaqContentError(f"{where}.answer: missing or empty")
    nxt = raw.get("next", "")
    if not isinstance(nxt, str):
        raise FaqContentError(f"{where}.next: must be text")
    specs = raw.get("buttons") or []
    if not isinstance(specs, list) or len(specs) > MAX_BUTTONS:
        raise FaqContentError(f"{where}.buttons: a list of at most {MAX_BUTTONS}")
    items = tuple(_button(b, f"{where}.buttons[{i}]", names) for i, b in enumerate(specs))
    if not nxt.strip() and not items:
        raise FaqContentError(f"{where}: needs a next step (next or buttons)")
    return FaqEntry(
        answer=text,
        next=nxt,
        buttons=items,
        patterns=_patterns(name, raw.get("patterns"), f"{where}.patterns"),
        menu=_menu(raw.get("menu"), f"{where}.menu"),
        with_course=_with_course(raw.get("with_course"), f"{where}.with_course"),
    )


def _patterns(name: str, raw: Any, where: str) -> str:
    """Checks a topic's trigger lines (the ``weight: word|alt word`` syntax of nlu/lexicon.py)."""
    if raw is None:
        return ""
    if name in BUILT_IN:
        raise FaqContentError(f"{where}: {name} is a built-in intent; its words are in nlu/")
    if not isinstance(raw, str) or not raw.strip():
        raise FaqContentError(f"{where}: lines of 'weight: words', e.g. '0.9: ücret|ücretli'")
    try:
        parse_pattern_lines(raw)
    except PatternError as exc:
        raise FaqContentError(f"{where} {exc}") from exc
    return raw


def _menu(raw: Any, where: str) -> MenuItem | None:
    """Checks a topic's place in the FAQ menu: a title and an order number."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != _MENU_KEYS:
        raise FaqContentError(f"{where}: expected title and order")
    title, order = raw["title"], raw["order"]
    if not isinstance(title, str) or not 0 < len(title) <= MAX_LABEL:
        raise FaqContentError(f"{where}.title: 1 to {MAX_LABEL} characters")
    if not isinstance(order, int) or isinstance(order, bool):
        raise FaqContentError(f"{where}.order: a whole number")
    return MenuItem(title, order)


def _with_course(raw: Any, where: str) -> tuple[str, ...]:
    """Checks what an answer adds when the question names a course."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or any(x not in WITH_COURSE for x in raw):
        raise FaqContentError(f"{where}: a list of {', '.join(WITH_COURSE)}")
    return tuple(dict.fromkeys(raw))


def _button(raw: Any, where: str, names: frozenset[str]) -> FaqButton:
    """Checks one button: its label, and that it leads somewhere that exists."""
    if not isinstance(raw, dict) or set(raw) != _BUTTON_KEYS:
        raise FaqContentError(f"{where}: expected label and to")
    label, to = raw["label"], raw["to"]
    if not isinstance(label, str) or not 0 < len(label) <= MAX_LABEL:
        raise FaqContentError(f"{where}.label: 1 to {MAX_LABEL} characters")
    valid = isinstance(to, str) and (to in TARGETS or to in names or to.startswith("center:"))
    if not valid:
        allowed = ", ".join([*TARGETS, *sorted(names), "center:<id>"])
        raise FaqContentError(f"{where}.to: {to!r} is not one of {allowed}")
    return FaqButton(label, to)
