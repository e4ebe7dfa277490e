"""One branch: what it is, where and when it runs next, seats left, and how to apply."""

from __future__ import annotations

from collections.abc import Sequence

from core.actions import Action
from core.catalog import Course
from core.messages import Button, Reply
from handlers.base import Context
from handlers.courses_filter import CourseFilter
from handlers.courses_list import SCHEDULE, all_courses_button, more_button, page_of, stale_page
from handlers.courses_view import (
    age_notes,
    apply_buttons,
    branch_offers,
    can_apply,
    conditions_text,
    offer_block,
    offer_state,
    only_place,
    status_notes,
)
from handlers.focus import remember
from handlers.formatting import (
    buttons,
    format_day_month,
    format_hours,
    haversine_km,
    place_locative,
    safe_button,
    shown_name,
)

INFO_PAGE_SIZE = 5
_ADDRESSED = 2  # "nerede" about this few offerings: their centres' addresses too


def ask_which(
    ctx: Context, options: Sequence[str], flt: CourseFilter, schedule: bool
) -> list[Reply]:
    """Several branches fit about equally: asks which one, a button each."""
    extra = (SCHEDULE,) if schedule else ()
    remember(ctx, choices=tuple(options))
    items: list[Button | None] = []
    for branch_id in options:
        name = ctx.catalog.branches[branch_id].name
        args = flt.only_conditions().to_args(Action.OFFERINGS, branch_id, *extra) or (branch_id,)
        items.append(safe_button(name, Action.OFFERINGS, *args))
    return [Reply(ctx.t("courses.ask_which"), buttons(*items))]


async def branch_info(
    ctx: Context,
    flt: CourseFilter,
    page: int = 1,
    *,
    schedule: bool = False,
    where: bool = False,
    earliest: bool = False,
) -> list[Reply]:
    """Describes a branch and its next offerings (only the first to start when `earliest`;
    with the addresses of a few when `where` was asked); asks to apply, or to be told when one
    opens."""
    branch = ctx.catalog.branches[flt.branch or ""]
    offers = branch_offers(ctx, branch.id)
    _focus_on(ctx, flt, None)
    if not offers:
        return none_planned(ctx, flt)
    today = ctx.today
    mode = (SCHEDULE,) if schedule else ()
    shown: list[Course] = offers
    intro: list[str] = []
    outro: list[str] = []
    extra: list[Button | None] = []
    if flt.has_conditions:
        matching = [c for c in offers if flt.matches_conditions(c, ctx.catalog, today)]
        if matching:
            shown = matching
            if len(matching) < len(offers):
                outro.append(ctx.t("courses.others_exist", count=len(offers) - len(matching)))
                label = ctx.t("courses.show_all_button")
                extra.append(safe_button(label, Action.OFFERINGS, branch.id, *mode))
        else:
            intro.append(_none_matching(ctx, flt, branch.name))
            shown = _nearest_first(ctx, flt, offers)
            if flt.has_place:
                extra.append(_interest_button(ctx, branch.id, _district(ctx, flt)))
    if earliest and len(shown) > 1:  # "en erken başlayan hangisi"
        coming = [c for c in shown if c.starts_on >= ctx.today] or shown  # not one begun
        shown = [min(coming, key=lambda c: (c.starts_on, c.start_time, c.id))]
        outro.append(ctx.t("courses.others_exist", count=len(offers) - 1))
        extra.append(
            safe_button(ctx.t("courses.show_all_button"), Action.OFFERINGS, branch.id, *mode)
        )
    paged = page_of(shown, page, INFO_PAGE_SIZE)
    if paged is None:
        return stale_page(ctx, flt, *mode)
    items, pages = paged
    if len(shown) == 1:
        _focus_on(ctx, flt, shown[0].id)
    taken = await ctx.store.seats_taken([c.id for c in items])
    pairs = [(c, taken.get(c.id, 0)) for c in items]
    if page == 1:
        head = [_header(ctx, branch.id, schedule)]
        if intro:
            head += ["", *intro]
        if pages > 1:
            head.append(ctx.t("courses.page", page=page, pages=pages))
    else:
        head = [ctx.t("courses.info_more_header", branch=branch.name, page=page, pages=pages)]
        outro = []
    apply = apply_buttons(ctx, pairs)
    if apply:
        outro.append(ctx.t("courses.info_pick"))
    elif not any(can_apply(offer_state(c, 0, ctx)) for c in offers):
        outro.append(ctx.t("courses.nothing_open"))
        extra.append(_interest_button(ctx, branch.id, _district(ctx, flt)))
    addresses = where and len(shown) <= _ADDRESSED
    blocks = [offer_block(ctx, c, n, schedule=schedule, where=addresses) for c, n in pairs]
    text = "\n\n".join(["\n".join(head), *blocks, *(["\n".join(outro)] if outro else [])])
    more = more_button(ctx, flt, page, *mode) if page < pages else None
    near = None
    if page == 1 and not flt.has_place and len(shown) > 1:
        near = safe_button(ctx.t("courses.near_button"), Action.NEAR, branch.id)
    options = _unique(buttons(*apply, more, *extra, near))
    return [Reply(text, options, replace_previous=page > 1)]


async def course_facts(ctx: Context, flt: CourseFilter, asked: frozenset[str]) -> list[Reply]:
    """A follow-up asking only how old, how long or how many seats ("kaç yaşında olmak lazım",
    "kaç saat sürer", "kaç kişilik yer kalmış") about the course just shown: those facts, not
    the whole card again; a button opens the card."""
    branch = ctx.catalog.branches[flt.branch or ""]
    name = branch.name
    offers = branch_offers(ctx, branch.id)
    if flt.has_conditions:
        offers = [c for c in offers if flt.matches_conditions(c, ctx.catalog, ctx.today)] or offers
    offers = offers[:INFO_PAGE_SIZE]
    lines: list[str] = []
    if "duration" in asked:
        hours = format_hours(branch.hours, ctx.locale)
        lines.append(ctx.t("courses.fact_hours", branch=name, hours=hours))
    if "age" in asked:
        lines.append(ctx.t("courses.fact_age", branch=name, min_age=branch.min_age))
        own = [(c, age_notes(ctx, c)) for c in offers]
        lines += [_at(ctx, c, " ".join(notes)) for c, notes in own if notes]
    if "seats" in asked:
        taken = await ctx.store.seats_taken([c.id for c in offers])
        key = "courses.fact_seats" if offers else "courses.fact_no_offering"
        lines.append(ctx.t(key, branch=name))
        lines += [_at(ctx, c, status_notes(ctx, c, taken.get(c.id, 0))[0]) for c in offers]
    if len(offers) == 1:
        _focus_on(ctx, flt, offers[0].id)
    dates = safe_button(ctx.t("faq.course_dates_button"), Action.OFFERINGS, branch.id)
    return [Reply("\n".join(lines), buttons(dates))]


def _at(ctx: Context, course: Course, fact: str) -> str:
    """ "• Kemalpaşa Kurs Merkezi, 21 Aralık: 18 kişilik yer kaldı." """
    centre = ctx.catalog.centers[course.center].name
    when = format_day_month(course.starts_on, ctx.locale)
    return ctx.t("courses.fact_at", center=centre, date=when, fact=fact)


def _focus_on(ctx: Context, flt: CourseFilter, course: str | None) -> None:
    """Makes this branch (and the one offering shown, if only one) the topic in focus."""
    remember(
        ctx,
        branch=flt.branch,
        course=course,
        centre=flt.center,
        district=flt.district,
        time_of_day=flt.time_of_day,
        weekend=flt.weekend,
    )


def _unique(items: tuple[Button, ...]) -> tuple[Button, ...]:
    seen: set[str] = set()
    out = []
    for b in items:
        if b.data not in seen:
            seen.add(b.data)
            out.append(b)
    return tuple(out)


def none_planned(ctx: Context, flt: CourseFilter) -> list[Reply]:
    """Nothing planned for the branch: says so and offers to tell the user when one opens."""
    branch = ctx.catalog.branches[flt.branch or ""]
    district = _district(ctx, flt)
    similar = safe_button(ctx.t("courses.similar_button"), Action.PAGE, "1", "f" + branch.field)
    text = ctx.t("courses.none_planned", branch=branch.name)
    return [
        Reply(
            text,
            buttons(_interest_button(ctx, branch.id, district), similar, all_courses_button(ctx)),
        )
    ]


def _header(ctx: Context, branch_id: str, schedule: bool) -> str:
    branch = ctx.catalog.branches[branch_id]
    if schedule:
        return ctx.t(
            "courses.schedule_header",
            branch=shown_name(branch, ctx.locale),
            hours=format_hours(branch.hours, ctx.locale),
            min_age=branch.min_age,
        )
    field = ctx.catalog.fields.get(branch.field)
    return ctx.t(
        "courses.info_about",
        branch=shown_name(branch, ctx.locale),
        field=shown_name(field, ctx.locale) if field else "",
        hours=format_hours(branch.hours, ctx.locale),
        min_age=branch.min_age,
    )


def _none_matching(ctx: Context, flt: CourseFilter, branch_name: str) -> str:
    if only_place(flt) and flt.center:
        center = ctx.catalog.centers[flt.center]
        return ctx.t("courses.none_at_center", center=center.name, branch=branch_name)
    if only_place(flt) and flt.district:
        return ctx.t(
            "courses.none_in_place",
            place_loc=place_locative(flt.district, ctx.locale),
            branch=branch_name,
        )
    return ctx.t("courses.none_matching", conditions=conditions_text(ctx, flt), branch=branch_name)


def _nearest_first(ctx: Context, flt: CourseFilter, offers: list[Course]) -> list[Course]:
    """Other offerings, closest to the place asked about first (soonest when no place)."""
    centers = ctx.catalog.centers
    if flt.center:
        points = [centers[flt.center]]
    elif flt.district:
        points = [c for c in centers.values() if c.district == flt.district]
    else:
        points = []
    if not points:
        return offers
    lat = sum(p.lat for p in points) / len(points)
    lon = sum(p.lon for p in points) / len(points)

    def distance(course: Course) -> float:
        center = centers[course.center]
        return round(haversine_km(lat, lon, center.lat, center.lon), 1)

    return sorted(offers, key=lambda c: (c.starts_on < ctx.today, distance(c), c.starts_on))


def _district(ctx: Context, flt: CourseFilter) -> str | None:
    if flt.center and flt.center in ctx.catalog.centers:
        return ctx.catalog.centers[flt.center].district
    return flt.district


def _interest_button(ctx: Context, branch_id: str, district: str | None) -> Button | None:
    label = ctx.t("courses.notify_button")
    if district:
        return safe_button(label, Action.NOTIFY, branch_id, district) or safe_button(
            label, Action.NOTIFY, branch_id
        )
    return safe_button(label, Action.NOTIFY, branch_id)
