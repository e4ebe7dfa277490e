"""A trainee's classes: next sessions, linking the account by phone, attendance, reminders."""

from __future__ import annotations

from datetime import timedelta

from core.actions import Action
from core.catalog import Session
from core.checks import normalise_phone
from core.intents import Intent
from core.messages import Location, Payload, Reply
from handlers import reminder_prefs
from handlers.base import Context, Router
from handlers.formatting import format_datetime
from nlu.understand import Understanding

router = Router("my_classes")

ATTENDANCE_WARNING_AT = 2  # "I can't" answers in one course before the rule is recalled


def session_line(ctx: Context, session: Session) -> str:
    course = ctx.catalog.courses[session.course]
    return ctx.t(
        "classes.line",
        when=format_datetime(session.starts_at, ctx.tz, ctx.locale),
        course=ctx.catalog.branches[course.branch].name,
        center=ctx.catalog.centers[course.center].name,
    )


async def _upcoming(ctx: Context) -> list[Session]:
    enrolled = {e.course for e in await ctx.store.enrolments_of(ctx.user)}
    sessions = [
        s
        for course in enrolled
        for s in ctx.catalog.sessions_by_course.get(course, ())
        if s.ends_at > ctx.now and s.status == "scheduled"
    ]
    return sorted(sessions, key=lambda s: s.starts_at)


async def _try_link_own_number(ctx: Context) -> int:
    """Users who write from their own number (WhatsApp): their desk enrolments are theirs."""
    phone = ctx.own_phone()
    return await ctx.store.link_by_phone(ctx.user, phone) if phone else 0


@router.intent(Intent.MY_SCHEDULE)
async def my_schedule(ctx: Context, u: Understanding) -> list[Reply]:
    """The next classes (or today's); asks for the phone number when no enrolment is known."""
    if not await ctx.store.enrolments_of(ctx.user):
        await _try_link_own_number(ctx)
    if not await ctx.store.enrolments_of(ctx.user):
        return [_ask_phone(ctx)]
    upcoming = await _upcoming(ctx)
    if not upcoming:
        return [Reply(ctx.t("classes.none_upcoming"))]
    replies: list[Reply] = []
    if u.relative_date in ("today", "tomorrow"):
        day = ctx.today + timedelta(days=1 if u.relative_date == "tomorrow" else 0)
        that_day = [s for s in upcoming if s.starts_at.astimezone(ctx.tz).date() == day]
        key = "classes.today" if u.relative_date == "today" else "classes.tomorrow"
        if not that_day:
            replies.append(Reply(ctx.t(f"{key}_none")))
        else:
            lines = "\n".join(session_line(ctx, s) for s in that_day)
            replies.append(Reply(ctx.t(key, lines=lines)))
            upcoming = that_day
    else:
        lines = "\n".join(session_line(ctx, s) for s in upcoming[:5])
        replies.append(Reply(ctx.t("classes.next", lines=lines)))
    first = upcoming[0]
    center = ctx.catalog.centers[ctx.catalog.courses[first.course].center]
    replies.append(
        Reply(
            ctx.t("classes.where", center=center.name, address=center.address),
            location=Location(center.lat, center.lon, center.name, center.address),
        )
    )
    return replies


def _ask_phone(ctx: Context) -> Reply:
    caps = ctx.capabilities
    key = "classes.not_found_whatsapp" if caps.sender_phone_known else "classes.share_phone"
    return Reply(ctx.t(key), ask="contact" if caps.contact_request else None)


@router.button("__contact__")
async def contact_shared(ctx: Context, _: Payload) -> list[Reply]:
    """A phone number shared outside a form: links the trainee's desk enrolments to this chat."""
    if not ctx.incoming.phone_is_own:
        return [Reply(ctx.t("classes.contact_not_own"))]
    phone = normalise_phone(ctx.incoming.phone or "")
    if phone is None:
        return [Reply(ctx.t("apply.bad_phone"))]
    linked = await ctx.store.link_by_phone(ctx.user, phone)
    if not linked and not await ctx.store.enrolments_of(ctx.user):
        return [Reply(ctx.t("classes.not_found"))]
    return [Reply(ctx.t("classes.linked")), *await my_schedule(ctx, ctx.understanding)]


@router.button(Action.ATTEND)
async def attendance(ctx: Context, p: Payload) -> list[Reply]:
    """Records "Geleceğim" / "Gelemeyeceğim" for one session."""
    session, answer = (p.args + ("", ""))[:2]
    if answer not in ("y", "n"):
        return [Reply(ctx.t("engine.stale_button"))]
    count = await ctx.store.record_attendance(ctx.user, session, coming=answer == "y")
    if count is None:
        return [Reply(ctx.t("engine.stale_button"))]
    if answer == "y":
        return [Reply(ctx.t("classes.coming"))]
    replies = [Reply(ctx.t("classes.not_coming"))]
    if count >= ATTENDANCE_WARNING_AT:
        replies.append(Reply(ctx.t("classes.attendance_rule", count=count)))
    return replies


# Hatırlatma ayarları live in handlers/reminder_prefs.py; this journey answers for them.
router.intent(Intent.REMINDER_SETTINGS)(reminder_prefs.reminder_settings)
router.button(reminder_prefs.ACTION)(reminder_prefs.toggle)
