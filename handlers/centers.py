"""Finding a centre: its address, phone and hours, and the centres nearest to the user.

Intents: center_info, nearest_center. Button actions: "cen" (one centre), "near" (ask for the
user's location, optionally for one branch). `on_location` answers a shared location.
"""

from __future__ import annotations

from core.actions import Action
from core.catalog import Center, Course, CourseStatus
from core.intents import Intent
from core.messages import Button, Location, Payload, Reply
from handlers.base import Context, Router
from handlers.focus import remember, topic_of
from handlers.formatting import (
    buttons,
    format_distance,
    format_short_date,
    haversine_km,
    place_locative,
    safe_button,
    tr_lower,
    tr_sort_key,
)
from nlu.understand import Understanding

router = Router("centers")

NEAR_BRANCH = "near_branch"  # conv.data key: the branch a pending location request is for
NEAREST_COUNT = 3
FAR_KM = 100.0  # farther than this from every centre: the user is probably not in İzmir
MAX_COURSE_BUTTONS = 4
_INACTIVE = (CourseStatus.CANCELLED, CourseStatus.ARCHIVED)


@router.intent(Intent.CENTER_INFO)
async def center_info(ctx: Context, u: Understanding) -> list[Reply]:
    """Gives a centre's address, phone, hours, map pin and next courses; asks which course."""
    if u.center and u.center in ctx.catalog.centers:
        return [_center_reply(ctx, ctx.catalog.centers[u.center])]
    if u.district:
        return _district_centers(ctx, u.district)
    if "phone" in u.asks:
        return [_phones(ctx)]
    return [Reply(ctx.t("centers.which"), ask="location")]


def _phones(ctx: Context) -> Reply:
    """How to reach the institution by phone: ALO 153, and the centre in focus if any."""
    topic = ctx.conv.topic
    centre = ctx.catalog.centers.get(topic.centre or "") if topic is not None else None
    lines = [ctx.t("centers.phones")]
    if centre is not None and centre.phone:
        lines.append(ctx.t("centers.phone_of", name=centre.name, phone=centre.phone))
    lines.append(ctx.t("centers.phones_which"))
    return Reply("\n\n".join(lines), ask="location")


@router.intent(Intent.NEAREST_CENTER)
async def nearest_center(ctx: Context, u: Understanding) -> list[Reply]:
    """Asks the user to share a location (remembering the branch asked about), or answers."""
    branch = u.branch if u.branch in ctx.catalog.branches else None
    if u.district:
        points = _in_district(ctx, u.district)
        if points:
            lat = sum(c.lat for c in points) / len(points)
            lon = sum(c.lon for c in points) / len(points)
            return _nearest(ctx, lat, lon, branch, district=points[0].district)
    return _ask_location(ctx, branch)


async def on_location(ctx: Context) -> list[Reply]:
    """Answers a shared location with the nearest centres offering the branch asked about, or
    else the course in focus (a location shared right after a course card is about it)."""
    lat, lon = ctx.incoming.lat, ctx.incoming.lon
    raw = ctx.conv.data.pop(NEAR_BRANCH, None)
    if raw is None and (topic := topic_of(ctx)) is not None:
        raw = topic.branch
    branch = raw if isinstance(raw, str) and raw in ctx.catalog.branches else None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return _ask_location(ctx, branch, retry=True)
    return _nearest(ctx, lat, lon, branch)


@router.button(Action.CENTRE)
async def on_center(ctx: Context, payload: Payload) -> list[Reply]:
    """Shows the centre a button names; asks which of its courses to open."""
    center = ctx.catalog.centers.get(payload.args[0]) if len(payload.args) == 1 else None
    if center is None:
        return [Reply(ctx.t("centers.stale"), ask="location")]
    return [_center_reply(ctx, center)]


@router.button(Action.NEAR)
async def on_near(ctx: Context, payload: Payload) -> list[Reply]:
    """Asks for the user's location to find the nearest centres (for a branch, if given)."""
    wanted = payload.args[0] if len(payload.args) == 1 else None
    branch = wanted if wanted in ctx.catalog.branches else None
    return _ask_location(ctx, branch)


def _ask_location(ctx: Context, branch: str | None, *, retry: bool = False) -> list[Reply]:
    if branch:
        ctx.conv.data[NEAR_BRANCH] = branch
        text = ctx.t("centers.ask_location_branch", branch=ctx.catalog.branches[branch].name)
    else:
        ctx.conv.data.pop(NEAR_BRANCH, None)
        text = ctx.t("centers.ask_location")
    if retry:
        text = ctx.t("centers.no_location") + "\n" + text
    return [Reply(text, ask="location")]


def _nearest(
    ctx: Context, lat: float, lon: float, branch: str | None, *, district: str | None = None
) -> list[Reply]:
    """The nearest centres to a point, each with its distance and a map pin.

    With `district` the point is only that district's middle, not where the user is: centres
    in the district are said to be there, others get a distance "from the district".
    """
    catalog = ctx.catalog
    centers = list(catalog.centers.values())
    if not centers:
        return [Reply(ctx.t("centers.none"))]
    intro: list[str] = []
    next_course: dict[str, Course] = {}
    if branch:
        for offering in _starting(ctx, branch=branch):
            next_course.setdefault(offering.center, offering)
        name = catalog.branches[branch].name
        if next_course:
            centers = [c for c in centers if c.id in next_course]
            key = "centers.nearest_branch_district" if district else "centers.nearest_branch_header"
            intro.append(ctx.t(key, branch=name, place=district or ""))
        else:
            intro.append(ctx.t("centers.no_branch_nearby", branch=name))
    elif district:
        intro.append(ctx.t("centers.nearest_district_header", place=district))
    else:
        intro.append(ctx.t("centers.nearest_header"))
    ranked = sorted(centers, key=lambda c: (haversine_km(lat, lon, c.lat, c.lon), c.id))
    nearest = ranked[:NEAREST_COUNT]
    if branch and next_course:  # "orası akşam mı", "ne zaman başlıyor": the nearest one's
        first = next_course[nearest[0].id]
        remember(ctx, branch=branch, course=first.id, centre=first.center)
    if haversine_km(lat, lon, nearest[0].lat, nearest[0].lon) > FAR_KM:
        intro.insert(0, ctx.t("centers.far_away"))
    replies: list[Reply] = []
    for i, center in enumerate(nearest):
        km = haversine_km(lat, lon, center.lat, center.lon)
        if district and tr_lower(center.district) == tr_lower(district):
            distance = ctx.t(
                "centers.in_the_district", place_loc=place_locative(center.district, ctx.locale)
            )
        elif district:
            distance = ctx.t(
                "centers.from_district",
                distance=format_distance(km, ctx.locale),
                place=district,
            )
        else:
            distance = format_distance(km, ctx.locale)
        lines = [
            ctx.t(
                "centers.near_item", name=center.name, distance=distance, address=_address(center)
            )
        ]
        course = next_course.get(center.id)
        extra: Button | None = None
        if course is not None:
            lines.append(
                ctx.t(
                    "centers.next_course",
                    branch=catalog.branches[course.branch].name,
                    date=format_short_date(course.starts_on, ctx.locale),
                )
            )
            extra = safe_button(
                ctx.t("centers.course_dates_button"),
                Action.OFFERINGS,
                course.branch,
                "c" + center.id,
            ) or safe_button(ctx.t("centers.course_dates_button"), Action.OFFERINGS, course.branch)
        elif branch and not next_course and i == 0:
            extra = safe_button(ctx.t("centers.notify_button"), Action.NOTIFY, branch)
        text = "\n".join([*intro, "", *lines]) if i == 0 else "\n".join(lines)
        info = safe_button(ctx.t("centers.info_button"), Action.CENTRE, center.id)
        replies.append(Reply(text, buttons(extra, info), location=_pin(center)))
    return replies


def _center_reply(ctx: Context, center: Center) -> Reply:
    """One centre: address, phone, hours, courses starting there soon, and a map pin."""
    lines = [center.name, ctx.t("centers.address", address=_address(center))]
    if center.phone:
        lines.append(ctx.t("centers.phone", phone=center.phone))
    if center.hours:
        lines.append(ctx.t("centers.hours", hours=center.hours))
    firsts: dict[str, Course] = {}
    for course in _starting(ctx, center=center.id):
        firsts.setdefault(course.branch, course)
    shown = list(firsts.values())[:MAX_COURSE_BUTTONS]
    course_buttons: list[Button | None] = []
    if shown:
        lines.append("")
        lines.append(ctx.t("centers.courses_header"))
        for course in shown:
            name = ctx.catalog.branches[course.branch].name
            when = format_short_date(course.starts_on, ctx.locale)
            lines.append(ctx.t("centers.course_item", branch=name, date=when))
            course_buttons.append(
                safe_button(name, Action.OFFERINGS, course.branch, "c" + center.id)
                or safe_button(name, Action.OFFERINGS, course.branch)
            )
        if len(firsts) > len(shown):
            lines.append(ctx.t("centers.more_courses", count=len(firsts) - len(shown)))
        lines.append(ctx.t("centers.pick_course"))
    else:
        lines.append(ctx.t("centers.no_courses"))
    near = safe_button(ctx.t("centers.other_centers_button"), Action.NEAR)
    return Reply("\n".join(lines), buttons(*course_buttons, near), location=_pin(center))


def _district_centers(ctx: Context, district: str) -> list[Reply]:
    """The centres in a district: one is shown at once, several are offered as buttons."""
    found = _in_district(ctx, district)
    place_loc = place_locative(found[0].district if found else district, ctx.locale)
    if not found:
        return [Reply(ctx.t("centers.none_in_district", place_loc=place_loc), ask="location")]
    if len(found) == 1:
        return [_center_reply(ctx, found[0])]
    lines = [ctx.t("centers.in_district", place_loc=place_loc, count=len(found))]
    lines += [ctx.t("centers.district_item", name=c.name, address=_address(c)) for c in found]
    items = [safe_button(c.name, Action.CENTRE, c.id) for c in found]
    return [Reply("\n".join(lines), buttons(*items))]


def _in_district(ctx: Context, district: str) -> list[Center]:
    wanted = tr_lower(district.strip())
    found = [c for c in ctx.catalog.centers.values() if tr_lower(c.district) == wanted]
    return sorted(found, key=lambda c: tr_sort_key(c.name))


def _starting(
    ctx: Context, *, branch: str | None = None, center: str | None = None
) -> list[Course]:
    """Offerings not started yet, soonest first, for one branch or one centre."""
    today = ctx.today
    found = [
        c
        for c in ctx.catalog.courses.values()
        if c.starts_on >= today
        and c.status not in _INACTIVE
        and c.branch in ctx.catalog.branches
        and c.center in ctx.catalog.centers
        and (branch is None or c.branch == branch)
        and (center is None or c.center == center)
    ]
    return sorted(found, key=lambda c: (c.starts_on, c.start_time, c.id))


def _address(center: Center) -> str:
    if tr_lower(center.district) in tr_lower(center.address):
        return center.address
    return f"{center.address}, {center.district}"


def _pin(center: Center) -> Location:
    return Location(center.lat, center.lon, center.name, _address(center))
