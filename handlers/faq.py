"""Common questions (cost, certificate, who may apply, documents, attendance, jobs) and
everything the assistant does not cover.

Answers live in `locales/faq.<lang>.yaml`, which staff may edit; they are loaded once and
validated: every FAQ intent needs an answer and a next step (a line or buttons). Button
action: "faq" (another answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from core.actions import Action
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.base import Context, IntentHandler, Router
from handlers.formatting import buttons, format_hours, safe_button
from nlu.understand import Understanding

router = Router("faq")

FAQ_INTENTS: tuple[str, ...] = (
    "faq_cost",
    "faq_certificate",
    "faq_eligibility",
    "faq_documents",
    "faq_attendance",
    "employment",
    "out_of_scope",
)
# Where a FAQ button may lead: fixed actions, another answer ("faq_cost"), or "center:<id>".
TARGETS: dict[str, tuple[str, ...]] = {"courses": (Action.PAGE, "1"), "nearest": (Action.NEAR,)}
MAX_BUTTONS = 3
MAX_LABEL = 20  # WhatsApp reply-button titles
_ENTRY_KEYS = frozenset({"answer", "next", "buttons"})
_BUTTON_KEYS = frozenset({"label", "to"})


class FaqContentError(ValueError):
    """The FAQ content file is malformed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class FaqButton:
    label: str
    to: str


@dataclass(frozen=True, slots=True)
class FaqEntry:
    answer: str
    next: str = ""
    buttons: tuple[FaqButton, ...] = ()


def _faq_handler(intent: str) -> IntentHandler:
    async def handler(ctx: Context, u: Understanding) -> list[Reply]:
        return answer(ctx, intent, u.branch)

    handler.__name__ = handler.__qualname__ = f"faq_{intent}".replace("faq_faq_", "faq_")
    handler.__doc__ = f"Answers {intent} from the content file and offers the next step."
    return handler


# One handler per intent: the engine may route a menu button to an intent whose name differs
# from what the message text would be understood as.
for _intent in FAQ_INTENTS:
    router.intent(Intent(_intent))(_faq_handler(_intent))


@router.button(Action.FAQ)
async def on_faq(ctx: Context, payload: Payload) -> list[Reply]:
    """Answers the question a button names and offers the next step."""
    if len(payload.args) != 1 or payload.args[0] not in FAQ_INTENTS:
        return answer(ctx, "out_of_scope", None)
    return answer(ctx, payload.args[0], None)


def answer(ctx: Context, intent: str, branch_id: str | None) -> list[Reply]:
    """One FAQ answer, with what the catalog says about the branch asked about, if any."""
    entry = load_faq(ctx.locale)[intent]
    parts = [entry.answer.strip()]
    branch = ctx.catalog.branches.get(branch_id or "")
    extra: list[Button | None] = []
    if branch is not None and intent == "faq_eligibility":
        parts.append(ctx.t("faq.branch_min_age", branch=branch.name, min_age=branch.min_age))
    if branch is not None and intent == "faq_attendance" and branch.hours > 0:
        parts.append(
            ctx.t(
                "faq.branch_attendance",
                branch=branch.name,
                hours=format_hours(branch.hours, ctx.locale),
                allowed=format_hours(branch.hours // 5, ctx.locale),
            )
        )
    if branch is not None and intent in ("faq_eligibility", "faq_attendance", "faq_cost"):
        extra.append(safe_button(ctx.t("faq.course_dates_button"), Action.OFFERINGS, branch.id))
    if entry.next:
        parts.append(entry.next.strip())
    items = [_button(ctx, b) for b in entry.buttons]
    return [Reply("\n\n".join(parts), buttons(*extra, *items))]


def _button(ctx: Context, spec: FaqButton) -> Button | None:
    if spec.to in TARGETS:
        return safe_button(spec.label, *TARGETS[spec.to])
    if spec.to in FAQ_INTENTS:
        return safe_button(spec.label, Action.FAQ, spec.to)
    center = spec.to.removeprefix("center:")
    if center in ctx.catalog.centers:
        return safe_button(spec.label, Action.CENTRE, center)
    return None  # a centre that left the catalog: the answer still reads well without it


@cache
def load_faq(locale: str = "tr") -> dict[str, FaqEntry]:
    """Reads and validates locales/faq.<locale>.yaml once (falls back to Turkish)."""
    root = resources.files("locales")
    name = f"faq.{locale}.yaml"
    if not root.joinpath(name).is_file():
        name = "faq.tr.yaml"
    return parse_faq(root.joinpath(name).read_text(encoding="utf-8"), f"locales/{name}")


def parse_faq(text: str, source: str) -> dict[str, FaqEntry]:
    """Validates FAQ content; raises FaqContentError naming the file and the bad key."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FaqContentError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise FaqContentError(f"{source}: expected a mapping of intents to answers")
    unknown = sorted(str(k) for k in data if k not in FAQ_INTENTS)
    if unknown:
        raise FaqContentError(f"{source}: unknown key(s) {', '.join(unknown)}")
    missing = [k for k in FAQ_INTENTS if k not in data]
    if missing:
        raise FaqContentError(f"{source}: no answer for {', '.join(missing)}")
    return {k: _entry(data[k], f"{source}: {k}") for k in FAQ_INTENTS}


def _entry(raw: Any, where: str) -> FaqEntry:
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
    items = tuple(_faq_button(b, f"{where}.buttons[{i}]") for i, b in enumerate(specs))
    if not nxt.strip() and not items:
        raise FaqContentError(f"{where}: needs a next step (next or buttons)")
    return FaqEntry(text, nxt, items)


def _faq_button(raw: Any, where: str) -> FaqButton:
    if not isinstance(raw, dict) or set(raw) != _BUTTON_KEYS:
        raise FaqContentError(f"{where}: expected label and to")
    label, to = raw["label"], raw["to"]
    if not isinstance(label, str) or not 0 < len(label) <= MAX_LABEL:
        raise FaqContentError(f"{where}.label: 1 to {MAX_LABEL} characters")
    valid = to in TARGETS or to in FAQ_INTENTS or (isinstance(to, str) and to.startswith("center:"))
    if not isinstance(to, str) or not valid:
        allowed = ", ".join([*TARGETS, *FAQ_INTENTS, "center:<id>"])
        raise FaqContentError(f"{where}.to: {to!r} is not one of {allowed}")
    return FaqButton(label, to)
