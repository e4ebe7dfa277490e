"""How course offerings read: their state, status notes, lines and buttons (no routing here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from core.actions import Action
from core.catalog import Course, CourseStatus
from core.messages import Button
from handlers.base import Context
from handlers.catalog_view import CatalogView
from handlers.courses_filter import CourseFilter
from handlers.formatting import (
    comma,
    day_month_dative,
    day_month_locative,
    format_date,
    format_datetime,
    format_short_date,
    format_time,
    format_time_range,
    format_weekdays,
    safe_button,
    shown_name,
    tr_lower,
)

INACTIVE = (CourseStatus.CANCELLED, CourseStatus.ARCHIVED)
_INDENT = "   "


class OfferState(StrEnum):
    OPEN = "open"  # seats free, applications open
    FULL = "full"  # applications go to the waiting list
    NOT_YET = "not_yet"  # applications open later
    CLOSED = "closed"  # applications closed
    STARTED = "started"  # running; no new applications


def starting_courses(catalog: CatalogView, flt: CourseFilter, ctx: Context) -> list[Course]:
    """Offerings that have not started yet and meet the search, soonest first (worked out once
    per search and day while the catalog lasts)."""
    today = ctx.today
    key = ("starting_courses", flt, today)
    return list(catalog.memo(key, lambda: _starting_courses(catalog, flt, today)))


def _starting_courses(catalog: CatalogView, flt: CourseFilter, today: date) -> tuple[Course, ...]:
    pool = (
        catalog.courses_by_branch.get(flt.branch, ())
        if flt.branch is not None
        else catalog.courses.values()
    )
    found = [
        c
        for c in pool
        if c.starts_on >= today
        and c.status not in INACTIVE
        and c.branch in catalog.branches
        and c.center in catalog.centers
        and flt.matches(c, catalog, today)
    ]
    return tuple(sorted(found, key=lambda c: (c.starts_on, c.start_time, c.id)))


def branch_offers(ctx: Context, branch: str) -> list[Course]:
    """Offerings of a branch that have not ended: not-started soonest first, running last."""
    today = ctx.today
    found = [
        c for c in ctx.catalog.upcoming_courses(branch, today) if c.center in ctx.catalog.centers
    ]
    return sorted(found, key=lambda c: (c.starts_on < today, c.starts_on, c.start_time, c.id))


def offer_state(course: Course, taken: int, ctx: Context) -> OfferState:
    """Whether one can apply to an offering now, or why not."""
    today = ctx.today
    opens, closes = course.application_opens, course.application_closes
    if opens is not None and today < opens:
        return OfferState.NOT_YET
    window_closed = closes is not None and today > closes
    if course.starts_on < today and (closes is None or window_closed):
        return OfferState.STARTED
    if course.status == CourseStatus.CLOSED or window_closed:
        return OfferState.CLOSED
    if course.status == CourseStatus.FULL or seats_left(course, taken) <= 0:
        return OfferState.FULL
    return OfferState.OPEN


def seats_left(course: Course, taken: int) -> int:
    return max(0, course.capacity - taken)


def can_apply(state: OfferState) -> bool:
    return state in (OfferState.OPEN, OfferState.FULL)


def status_notes(ctx: Context, course: Course, taken: int) -> list[str]:
    """'8 kişilik yer kaldı.', 'Kadınlara özel.', '15–29 yaş arası.', 'Başvurular … açılıyor.'"""
    state = offer_state(course, taken, ctx)
    notes: list[str] = []
    if state == OfferState.OPEN:
        notes.append(ctx.t("courses.seats_left", seats=seats_left(course, taken)))
        closes = course.application_closes
        if closes is not None and closes == ctx.today:
            notes.append(ctx.t("courses.apply_until_today"))
        elif closes is not None:
            notes.append(ctx.t("courses.apply_until", date=format_date(closes, ctx.locale)))
    elif state == OfferState.FULL:
        notes.append(ctx.t("courses.status_full"))
    elif state == OfferState.NOT_YET and course.application_opens is not None:
        notes.append(
            ctx.t(
                "courses.status_not_yet",
                date_loc=day_month_locative(course.application_opens, ctx.locale),
            )
        )
    elif state == OfferState.CLOSED:
        notes.append(ctx.t("courses.status_closed"))
    else:
        notes.append(ctx.t("courses.status_started"))
    own = course.notes.strip()
    facts = [ctx.t("courses.women_only")] if course.women_only else []
    facts += age_notes(ctx, course)
    # Staff often write the same fact in the notes ("Kadınlara özel"): say it once.
    notes += [f for f in facts if tr_lower(f.rstrip(".")) not in tr_lower(own)]
    if own:
        notes.append(ctx.t("courses.note", notes=own))
    return notes


def age_notes(ctx: Context, course: Course) -> list[str]:
    """An offering's own age limits, when it sets any."""
    branch = ctx.catalog.branches.get(course.branch)
    lo, hi = course.min_age, course.max_age
    if lo is not None and hi is not None:
        return [ctx.t("courses.age_range", min=lo, max=hi)]
    if lo is not None and (branch is None or lo != branch.min_age):
        return [ctx.t("courses.age_min", min=lo)]
    if hi is not None:
        return [ctx.t("courses.age_max", max=hi)]
    return []


def offer_block(
    ctx: Context, course: Course, taken: int, *, schedule: bool = False, where: bool = False
) -> str:
    """A few lines about one offering: where (the address too when asked), from when to when,
    days and hours, status."""
    center = ctx.catalog.centers[course.center]
    started = course.starts_on < ctx.today
    lines = [
        ctx.t("courses.offer_place", center=center.name, district=center.district),
        *([ctx.t("courses.offer_address", address=center.address)] if where else []),
        ctx.t(
            "courses.offer_started" if started else "courses.offer_dates",
            start=format_date(course.starts_on, ctx.locale),
            end_dat=day_month_dative(course.ends_on, ctx.locale),
            end_loc=day_month_locative(course.ends_on, ctx.locale),
        ),
        ctx.t(
            "courses.offer_days",
            days=format_weekdays(course.weekdays, ctx.locale),
            times=format_time_range(course.start_time, course.end_time, ctx.locale),
        ),
    ]
    if schedule:
        session = ctx.catalog.next_session(course.id, ctx.now)
        if session is not None:
            key = "courses.next_session" if started else "courses.first_session"
            lines.append(ctx.t(key, when=format_datetime(session.starts_at, ctx.tz, ctx.locale)))
    lines.append(" ".join(status_notes(ctx, course, taken)))
    return "\n".join([lines[0], *(_INDENT + line for line in lines[1:])])


def list_item(ctx: Context, course: Course, *, with_center: bool = True) -> str:
    """Two lines in a list: the branch (and centre), then the first day and the weekdays."""
    branch = ctx.catalog.branches[course.branch]
    center = ctx.catalog.centers[course.center]
    when = format_date(course.starts_on, ctx.locale) + comma(ctx.locale)
    when += format_time(course.start_time, ctx.locale)
    return ctx.t(
        "courses.list_item" if with_center else "courses.list_item_here",
        branch=shown_name(branch, ctx.locale),
        center=center.name,
        when=when,
        days=format_weekdays(course.weekdays, ctx.locale, compact=True),
    )


def apply_buttons(ctx: Context, offers: Sequence[tuple[Course, int]]) -> list[Button]:
    """A 'Başvur' button per offering open to applications (waiting list included)."""
    open_ones = [c for c, taken in offers if can_apply(offer_state(c, taken, ctx))]
    keys = [(ctx.catalog.centers[c.center].district, c.starts_on) for c in open_ones]
    dupes = {k for k, n in Counter(keys).items() if n > 1}
    out: list[Button] = []
    for course, key in zip(open_ones, keys, strict=True):
        place = ctx.catalog.centers[course.center].name if key in dupes else key[0]
        label = ctx.t(
            "courses.apply_button",
            place=place,
            date=format_short_date(course.starts_on, ctx.locale),
        )
        # The apply journey reads (branch, course); when a long course id does not fit, the
        # branch alone still starts the application at the choice of offering.
        button = safe_button(label, Action.APPLY, course.id) or safe_button(
            label, Action.APPLY, course.branch
        )
        if button is not None:
            out.append(button)
    return out


def conditions_text(ctx: Context, flt: CourseFilter) -> str:
    """'Buca, akşam, bu ay': the search's cues in words."""
    parts: list[str] = []
    if flt.field and flt.field in ctx.catalog.fields:
        parts.append(ctx.catalog.fields[flt.field].name)
    place = flt.place_name(ctx.catalog)
    if place:
        parts.append(place)
    if flt.time_of_day:
        parts.append(ctx.t(f"courses.cond_{flt.time_of_day}"))
    if flt.weekdays:
        parts.append(format_weekdays(flt.weekdays, ctx.locale))
    if flt.weekend is True:
        parts.append(ctx.t("courses.cond_weekend"))
    elif flt.weekend is False:
        parts.append(ctx.t("courses.cond_weekdays"))
    if flt.relative_date:
        parts.append(ctx.t(f"courses.cond_{flt.relative_date}"))
    if flt.audience:
        parts.append(ctx.t(f"courses.cond_{flt.audience}"))
    return comma(ctx.locale).join(parts)


def only_place(flt: CourseFilter) -> bool:
    """The search names a place and nothing else about time."""
    return flt.has_place and not (
        flt.time_of_day
        or flt.weekdays
        or flt.weekend is not None
        or flt.relative_date
        or flt.audience
    )
