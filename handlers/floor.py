"""Messages in English or Arabic: a short answer in that language (what the institution is,
the next dates of a course when one is named, how to see courses, apply and reach a person).

Every other sentence is Turkish for now; this is the floor, with buttons that work anyway.
"""

from __future__ import annotations

import re

from core.actions import Action
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.base import Context, Router
from handlers.courses_view import branch_offers
from handlers.formatting import format_day_month
from locales.floor import Floor, load_floor
from nlu.language import detect_language
from nlu.understand import understand

router = Router("floor")

MAX_DATES = 3
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


@router.button("__foreign__")
async def answer(ctx: Context, _: Payload) -> list[Reply]:
    """Answers in the message's language; offers courses, applying and a person as buttons."""
    language = detect_language(ctx.incoming.text)
    content = load_floor()
    floor = content.languages.get(language) or content.languages["en"]
    branch = _branch_named(ctx, content.words)
    parts = [floor.about]
    if branch is not None:
        parts.append(_dates(ctx, floor, branch, language))
    parts.append(floor.how)
    apply = (
        Button.of(floor.buttons["apply"], Action.APPLY, branch)
        if branch is not None
        else Button.of(floor.buttons["apply"], Action.ASK, Intent.APPLY)
    )
    options = (
        Button.of(floor.buttons["courses"], Action.ASK, Intent.LIST_COURSES),
        apply,
        Button.of(floor.buttons["human"], Action.ASK, Intent.TALK_TO_HUMAN),
    )
    return [Reply("\n\n".join(parts), buttons=options)]


def _branch_named(ctx: Context, words: dict[str, str]) -> str | None:
    """The course a foreign-language message names, through the glossary of course words."""
    tokens = _TOKEN.findall(ctx.incoming.text.lower())
    found: list[str] = []
    for i, token in enumerate(tokens):
        pair = " ".join(tokens[i : i + 2])
        if pair in words:
            found.append(words[pair])
        elif token in words:
            found.append(words[token])
    if not found:
        return None
    u = understand(" ".join(found) + " kursu", ctx.catalog.index)
    return u.branch if u.branch in ctx.catalog.branches else None


def _dates(ctx: Context, floor: Floor, branch_id: str, language: str) -> str:
    """The next start dates of a branch, in the user's language (names stay as in the catalog)."""
    name = ctx.catalog.branches[branch_id].name
    upcoming = [c for c in branch_offers(ctx, branch_id) if c.starts_on >= ctx.today]
    if not upcoming:
        return floor.no_dates.format(course=name)
    lines = [floor.course_dates.format(course=name)]
    for course in upcoming[:MAX_DATES]:
        centre = ctx.catalog.centers[course.center]
        lines.append(
            floor.course_item.format(
                date=format_day_month(course.starts_on, language),
                centre=centre.name,
                district=centre.district,
            )
        )
    return "\n".join(lines)
