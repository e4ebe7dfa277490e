"""The end of the application form: which offerings are open, the summary, and submitting."""

from __future__ import annotations

from datetime import date, datetime

from core.actions import Action
from core.catalog import Course, CourseStatus
from core.checks import mask_id
from core.intents import Intent
from core.messages import Button, Reply, Role
from core.records import NewApplication
from handlers.base import Context
from handlers.formatting import (
    format_day_month_year,
    format_full_date,
    format_short_date,
    format_time,
    short_weekday,
)


def window_open(course: Course, today: date) -> bool:
    """Whether applications are accepted today."""
    if course.application_opens and today < course.application_opens:
        return False
    if course.application_closes:
        return today <= course.application_closes
    return today <= course.starts_on


def open_offerings(ctx: Context, branch: str) -> list[Course]:
    """Offerings of `branch` taking applications now (full ones take the waiting list)."""
    return [
        c
        for c in ctx.catalog.upcoming_courses(branch, ctx.today)
        if c.status in (CourseStatus.OPEN, CourseStatus.FULL) and window_open(c, ctx.today)
    ]


def course_label(ctx: Context, course: Course, seats_left: int) -> str:
    """A short label: centre, start date, days and time, and seats (fits WhatsApp lists)."""
    center = ctx.catalog.centers[course.center]
    starts = format_short_date(course.starts_on, ctx.locale)
    days = "-".join(short_weekday(d, ctx.locale) for d in course.weekdays)
    clock = format_time(course.start_time, ctx.locale)
    seats = (
        ctx.t("apply.label_full")
        if seats_left <= 0 or course.status == CourseStatus.FULL
        else ctx.t("apply.label_seats", n=seats_left)
    )
    short = center.name.replace(" Kurs Merkezi", "")
    return f"{short} · {starts} · {days} {clock} · {seats}"


def _person(ctx: Context) -> dict[str, str]:
    data = ctx.conv.data
    course = ctx.catalog.courses[str(data["course"])]
    born = date.fromisoformat(str(data["birth"]))
    return {
        "course": ctx.catalog.branches[course.branch].name,
        "center": ctx.catalog.centers[course.center].name,
        "starts": format_full_date(course.starts_on, ctx.locale),
        "name": str(data["name"]),
        "nid": mask_id(ctx.store.unseal(str(data["nid"]))),
        "birth": format_day_month_year(born, ctx.locale),
        "phone": str(data["phone"]),
        "district": str(data["district"]),
        "education": ctx.t(f"apply.edu_{data['education']}") if data.get("education") else "—",
        "employment": ctx.t(f"apply.emp_{data['employment']}") if data.get("employment") else "—",
    }


def summary(ctx: Context) -> Reply:
    """Everything the user gave, with the id masked, and buttons to send or correct."""
    ctx.conv.data.pop("editing", None)
    token = ctx.conv.token
    buttons = (
        Button.of(ctx.t("apply.send"), Action.SUMMARY, token, "send", role=Role.YES),
        Button.of(ctx.t("apply.edit"), Action.SUMMARY, token, "edit"),
    )
    return Reply(ctx.t("apply.summary", **_person(ctx)), buttons=buttons)


async def submit(ctx: Context) -> list[Reply]:
    """Stores the application (rules checked again) and says what happens next."""
    data = ctx.conv.data
    course = ctx.catalog.courses.get(str(data.get("course", "")))
    if course is None or course.id not in {c.id for c in open_offerings(ctx, course.branch)}:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.course_gone"))]
    national_id = ctx.store.unseal(str(data["nid"]))
    active = await ctx.store.active_applications_for_id(national_id)
    if any(a.course == course.id for a in active) or len(active) >= ctx.max_active:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.too_many", limit=ctx.max_active))]
    record = await ctx.store.create_application(
        NewApplication(
            user=ctx.user,
            course=course.id,
            branch=course.branch,
            full_name=str(data["name"]),
            national_id=national_id,
            birth_date=date.fromisoformat(str(data["birth"])),
            phone=str(data["phone"]),
            district=str(data["district"]),
            education=str(data.get("education", "")),
            employment=str(data.get("employment", "")),
            consent_at=datetime.fromisoformat(str(data["consent"])),
        ),
        capacity=0 if course.status == CourseStatus.FULL else course.capacity,
    )
    ctx.conv.clear()
    if record.status == "waitlisted":
        text = ctx.t("apply.waitlisted", number=record.number, position=record.waitlist_position)
    else:
        text = ctx.t("apply.submitted", number=record.number)
    menu = Button.of(ctx.t("apply.my_applications"), Action.ASK, Intent.APPLICATION_STATUS)
    return [Reply(text, buttons=(menu,))]
