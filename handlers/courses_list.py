"""Course lists: fields with counts, a field's branches, and offerings matching a search."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from core.actions import Action
from core.messages import Button, Reply, Role
from handlers.base import Context
from handlers.courses_filter import CourseFilter
from handlers.courses_view import conditions_text, list_item, only_place, starting_courses
from handlers.formatting import buttons, place_locative, safe_button, tr_sort_key

PAGE_SIZE = 10
SCHEDULE = "s"  # payload token: show dates and hours rather than the description

T = TypeVar("T")


def page_of(items: Sequence[T], page: int, size: int) -> tuple[Sequence[T], int] | None:
    """The items of one page and the page count; None when the page does not exist."""
    pages = max(1, math.ceil(len(items) / size))
    if page < 1 or page > pages:
        return None
    return items[(page - 1) * size : page * size], pages


def more_button(ctx: Context, flt: CourseFilter, page: int, *extra: str) -> Button | None:
    """'Daha fazla': the next page of the same search ("sonraki sayfa" typed presses it too)."""
    args = flt.to_args(Action.PAGE, str(page + 1), *extra)
    button = None if args is None else safe_button(ctx.t("courses.more"), Action.PAGE, *args)
    return replace(button, role=Role.MORE) if button else None


def all_courses_button(ctx: Context) -> Button | None:
    return safe_button(ctx.t("courses.all_courses_button"), Action.PAGE, "1")


def stale_page(ctx: Context, flt: CourseFilter, *extra: str) -> list[Reply]:
    """The list a button belonged to has changed: offer to start it again."""
    args = flt.to_args(Action.PAGE, "1", *extra)
    first = (
        None
        if args is None
        else safe_button(ctx.t("courses.from_start_button"), Action.PAGE, *args)
    )
    return [Reply(ctx.t("courses.page_stale"), buttons(first, all_courses_button(ctx)))]


def listing(ctx: Context, flt: CourseFilter, page: int = 1) -> list[Reply]:
    """Fields, a field's branches, or matching offerings, depending on what was asked."""
    if flt.has_conditions:
        return offerings_list(ctx, flt, page)
    if flt.field:
        return field_branches(ctx, flt, page)
    return fields_overview(ctx, page)


def fields_overview(ctx: Context, page: int) -> list[Reply]:
    """Fields that have courses starting soon, busiest first, each a button to its branches."""
    catalog = ctx.catalog
    courses = starting_courses(catalog, CourseFilter(), ctx)
    counts = Counter(catalog.branches[c.branch].field for c in courses)
    fields = sorted(
        (f for f in counts if f in catalog.fields),
        key=lambda f: (-counts[f], tr_sort_key(catalog.fields[f].name)),
    )
    if not fields:
        return [Reply(ctx.t("courses.none_at_all"))]
    paged = page_of(fields, page, PAGE_SIZE)
    if paged is None:
        return stale_page(ctx, CourseFilter())
    shown, pages = paged
    text = ctx.t("courses.fields_header", fields=len(fields), count=len(courses))
    if pages > 1:
        text += "\n" + ctx.t("courses.page", page=page, pages=pages)
    items = [
        safe_button(
            ctx.t("courses.count_button", name=catalog.fields[f].name, count=counts[f]),
            Action.PAGE,
            "1",
            "f" + f,
        )
        for f in shown
    ]
    more = more_button(ctx, CourseFilter(), page) if page < pages else None
    return [Reply(text, buttons(*items, more), replace_previous=page > 1)]


def field_branches(ctx: Context, flt: CourseFilter, page: int) -> list[Reply]:
    """A field's branches, those starting soon first, each a button to the course."""
    catalog = ctx.catalog
    field = catalog.fields[flt.field or ""]
    counts = Counter(c.branch for c in starting_courses(catalog, flt, ctx))
    branches = sorted(
        (b for b in catalog.branches.values() if b.field == field.id),
        key=lambda b: (counts[b.id] == 0, tr_sort_key(b.name)),
    )
    if not branches:
        return [
            Reply(ctx.t("courses.field_empty", field=field.name), buttons(all_courses_button(ctx)))
        ]
    paged = page_of(branches, page, PAGE_SIZE)
    if paged is None:
        return stale_page(ctx, flt)
    shown, pages = paged
    text = ctx.t("courses.branches_header", field=field.name)
    if pages > 1:
        text += "\n" + ctx.t("courses.page", page=page, pages=pages)
    items = [
        safe_button(
            ctx.t("courses.count_button", name=b.name, count=counts[b.id])
            if counts[b.id]
            else b.name,
            Action.OFFERINGS,
            b.id,
        )
        for b in shown
    ]
    more = more_button(ctx, flt, page) if page < pages else None
    return [Reply(text, buttons(*items, more), replace_previous=page > 1)]


def offerings_list(ctx: Context, flt: CourseFilter, page: int) -> list[Reply]:
    """Offerings that meet a place or time search, soonest first, each a button to the course."""
    catalog = ctx.catalog
    courses = starting_courses(catalog, flt, ctx)
    if not courses:
        if only_place(flt) and not flt.field and flt.district:
            text = ctx.t(
                "courses.list_empty_place", place_loc=place_locative(flt.district, ctx.locale)
            )
        else:
            text = ctx.t("courses.list_empty", conditions=conditions_text(ctx, flt))
        field_button = None
        if flt.field:
            field_button = safe_button(
                ctx.t("courses.field_branches_button"), Action.PAGE, "1", "f" + flt.field
            )
        return [Reply(text, buttons(field_button, all_courses_button(ctx)))]
    paged = page_of(courses, page, PAGE_SIZE)
    if paged is None:
        return stale_page(ctx, flt)
    shown, pages = paged
    if only_place(flt) and not flt.field and flt.district:
        header = ctx.t(
            "courses.list_header_place",
            place_loc=place_locative(flt.district, ctx.locale),
            count=len(courses),
        )
    else:
        header = ctx.t(
            "courses.list_header", conditions=conditions_text(ctx, flt), count=len(courses)
        )
    lines = [header]
    if pages > 1:
        lines.append(ctx.t("courses.page", page=page, pages=pages))
    one_center = len({c.center for c in courses}) == 1
    lines += [list_item(ctx, c, with_center=not one_center) for c in shown]
    lines.append(ctx.t("courses.list_pick"))
    items = []
    for c in shown:
        name = catalog.branches[c.branch].name
        place = catalog.centers[c.center].district
        label = name if one_center else ctx.t("courses.item_button", branch=name, place=place)
        items.append(
            safe_button(label, Action.OFFERINGS, c.branch, "c" + c.center)
            or safe_button(label, Action.OFFERINGS, c.branch)
        )
    more = more_button(ctx, flt, page) if page < pages else None
    return [Reply("\n".join(lines), buttons(*items, more), replace_previous=page > 1)]
