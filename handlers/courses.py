"""Finding a course: lists by field, place and time; one course's dates, seats and status.

Button actions: "crs" (a branch's offerings), "pg" (another page of a list), "int" (tell me
when this course opens). Offerings carry "apply" buttons for the application journey and a
"near" button for the centres journey.
"""

from __future__ import annotations

from dataclasses import replace

from core.actions import Action
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.base import Context, Router
from handlers.courses_filter import CourseFilter, canonical_district, resolve_ref
from handlers.courses_info import ask_which, branch_info, course_facts
from handlers.courses_list import SCHEDULE, all_courses_button, listing
from handlers.formatting import buttons, place_locative, safe_button
from nlu.matching import match_branch
from nlu.understand import Understanding

router = Router("courses")

MAX_CHOICES = 6
# Facts a follow-up may ask alone, answered without the whole card (handlers/courses_info.py).
FACTS = frozenset({"age", "duration", "seats"})
CLOSE_ENOUGH = 0.95  # a looser fuzzy match suggests nonsense ("pilotluk" -> a pivot table)


@router.intent(Intent.LIST_COURSES)
async def list_courses(ctx: Context, u: Understanding) -> list[Reply]:
    """Lists fields, a field's branches or matching offerings; asks which one to open."""
    return await _answer(ctx, u, schedule=False)


@router.intent(Intent.COURSE_INFO)
async def course_info(ctx: Context, u: Understanding) -> list[Reply]:
    """Describes the branch asked about and its next offerings; asks to apply or to pick one."""
    return await _answer(ctx, u, schedule=False)


@router.intent(Intent.COURSE_SCHEDULE)
async def course_schedule(ctx: Context, u: Understanding) -> list[Reply]:
    """Gives the next start dates, days, hours and first lesson; asks to apply."""
    return await _answer(ctx, u, schedule=True)


@router.button(Action.OFFERINGS)
async def on_course(ctx: Context, payload: Payload) -> list[Reply]:
    """Shows the branch a button names (with its place and time cues); asks to apply."""
    if not payload.args:
        return _stale(ctx)
    branch = resolve_ref(payload.args[0], set(ctx.catalog.branches))
    tokens, schedule = _mode(payload.args[1:])
    flt = CourseFilter.from_args(tokens, ctx.catalog)
    if branch is None or flt is None:
        return _stale(ctx)
    return await branch_info(ctx, flt.only_conditions().with_branch(branch), schedule=schedule)


@router.button(Action.PAGE)
async def on_page(ctx: Context, payload: Payload) -> list[Reply]:
    """Shows another page of a list or of a branch's offerings; asks which one to open."""
    if not payload.args or not payload.args[0].isdigit() or len(payload.args[0]) > 3:
        return _stale(ctx)
    page = int(payload.args[0])
    tokens, schedule = _mode(payload.args[1:])
    flt = CourseFilter.from_args(tokens, ctx.catalog)
    if flt is None:
        return _stale(ctx)
    if flt.branch:
        return await branch_info(ctx, flt, page, schedule=schedule)
    return listing(ctx, flt, page)


@router.button(Action.NOTIFY)
async def on_interest(ctx: Context, payload: Payload) -> list[Reply]:
    """Remembers that the user wants to hear when the branch opens; confirms and offers more."""
    if not payload.args or len(payload.args) > 2:
        return _stale(ctx)
    branch_id = resolve_ref(payload.args[0], set(ctx.catalog.branches))
    if branch_id is None:
        return _stale(ctx)
    district = canonical_district(payload.args[1], ctx.catalog) if len(payload.args) > 1 else None
    return await _save_interest(ctx, branch_id, district)


@router.intent(Intent.NOTIFY_ME)
async def notify_me(ctx: Context, u: Understanding) -> list[Reply]:
    """Remembers the course to tell the user about when it opens (the one in focus, too)."""
    if u.branch not in ctx.catalog.branches:
        return [Reply(ctx.t("courses.notify_which"), buttons(_interests_button(ctx)))]
    district = canonical_district(u.district, ctx.catalog) if u.district else None
    return await _save_interest(ctx, u.branch or "", district)


@router.intent(Intent.MY_INTERESTS)
async def my_interests(ctx: Context, _: Understanding) -> list[Reply]:
    """Lists the courses the user waits to hear about, each with a button to stop waiting."""
    waiting = await ctx.store.interests_of(ctx.user)
    names = {b: ctx.catalog.branches[b].name for b, _ in waiting if b in ctx.catalog.branches}
    if not names:
        return [Reply(ctx.t("courses.interests_none"), buttons(all_courses_button(ctx)))]
    lines = [ctx.t("courses.interests_header")]
    lines += [f"• {names[b]}" + (f" ({d})" if d else "") for b, d in waiting if b in names]
    stop = [
        safe_button(ctx.t("courses.interest_remove_button", branch=name), Action.NOTIFY_REMOVE, b)
        for b, name in names.items()
    ]
    return [Reply("\n".join(lines), buttons(*stop[:MAX_CHOICES]))]


@router.button(Action.NOTIFY_REMOVE)
async def on_interest_remove(ctx: Context, payload: Payload) -> list[Reply]:
    """Stops waiting for a course; says so and shows what is left."""
    branch_id = payload.args[0] if len(payload.args) == 1 else ""
    if branch_id not in ctx.catalog.branches:
        return _stale(ctx)
    removed = await ctx.store.remove_interest(ctx.user, branch_id)
    name = ctx.catalog.branches[branch_id].name
    key = "courses.interest_removed" if removed else "courses.interest_not_found"
    return [Reply(ctx.t(key, branch=name)), *await my_interests(ctx, ctx.understanding)]


def _interests_button(ctx: Context) -> Button | None:
    return safe_button(ctx.t("courses.interests_button"), Action.ASK, Intent.MY_INTERESTS)


async def _save_interest(ctx: Context, branch_id: str, district: str | None) -> list[Reply]:
    """Stores the wish to hear about a branch; confirms and offers similar courses."""
    branch = ctx.catalog.branches[branch_id]
    added = await ctx.store.save_interest(ctx.user, branch_id, district)
    if not added:
        text = ctx.t("courses.interest_exists", branch=branch.name)
    elif district:
        text = ctx.t(
            "courses.interest_saved_place",
            branch=branch.name,
            place_loc=place_locative(district, ctx.locale),
        )
    else:
        text = ctx.t("courses.interest_saved", branch=branch.name)
    similar = safe_button(ctx.t("courses.similar_button"), Action.PAGE, "1", "f" + branch.field)
    return [Reply(text, buttons(similar, _interests_button(ctx), all_courses_button(ctx)))]


async def _answer(ctx: Context, u: Understanding, *, schedule: bool) -> list[Reply]:
    flt = CourseFilter.from_cues(u, ctx.catalog)
    options = _branch_options(ctx, u)
    if not options and u.audience == "disabled":
        return [Reply(ctx.t("courses.audience_disabled"), buttons(all_courses_button(ctx)))]
    if not options and u.unknown_course:
        return _no_such_course(ctx, u.unknown_course)
    if len(options) > 1:
        return ask_which(ctx, options[:MAX_CHOICES], flt, schedule)
    asked = frozenset(u.asks)
    follow_up = ctx.understanding.branch is None  # the course is the one in focus
    if len(options) == 1 and follow_up and asked and asked <= FACTS and not u.earliest:
        return await course_facts(ctx, flt.only_conditions().with_branch(options[0]), asked)
    if options:
        chosen = flt.only_conditions().with_branch(options[0])
        return await branch_info(
            ctx, chosen, schedule=schedule, where="where" in u.asks, earliest=u.earliest
        )
    if u.intent is not Intent.LIST_COURSES and not flt.field and not flt.has_conditions:
        # "ne zaman başlıyor" with no course named or in focus: ask which, fields as buttons.
        overview = listing(ctx, flt)
        return [replace(overview[0], text=ctx.t("courses.which_course")), *overview[1:]]
    return listing(ctx, flt)


def _no_such_course(ctx: Context, asked: str) -> list[Reply]:
    """Says plainly that there is no such course, and offers the closest real ones."""
    ctx.unanswered = "no_course"
    found = match_branch(asked, ctx.catalog.index, limit=3)
    close = [m.id for m in found if m.score >= CLOSE_ENOUGH]
    items = [safe_button(ctx.catalog.branches[b].name, Action.OFFERINGS, b) for b in close]
    key = "courses.no_such_course_close" if close else "courses.no_such_course"
    return [Reply(ctx.t(key, course=asked), buttons(*items, all_courses_button(ctx)))]


def _branch_options(ctx: Context, u: Understanding) -> list[str]:
    """The best branch and its close alternatives that the catalog still has, in order."""
    out: list[str] = []
    for branch in (u.branch, *(u.candidates or ())):
        if branch and branch in ctx.catalog.branches and branch not in out:
            out.append(branch)
    return out


def _mode(tokens: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """Splits the schedule marker from the search tokens."""
    return tuple(t for t in tokens if t != SCHEDULE), SCHEDULE in tokens


def _stale(ctx: Context) -> list[Reply]:
    return [Reply(ctx.t("courses.stale"), buttons(all_courses_button(ctx)))]
