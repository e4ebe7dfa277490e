"""Reaching a person: a conversation handed to staff (the panel's inbox) while the assistant
stands back, the ways to contact staff, and a callback request left by chat."""

from __future__ import annotations

from enum import StrEnum

from core.actions import Action
from core.checks import mask_national_ids, normalise_phone
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.base import Context, Router
from nlu.text import tokens
from nlu.understand import Understanding

router = Router("human")

# Typed words that leave a conversation with a person ("asistana dön"), folded; the English and
# Arabic ones are the words of the button's label and what its answers tell people to type.
LEAVE_WORDS = frozenset(
    {
        ("asistana", "don"),
        ("asistana", "donmek", "istiyorum"),
        ("asistan",),
        ("assistant",),
        ("back", "to", "the", "assistant"),
        ("back", "to", "assistant"),
        ("المساعد",),
        ("العودة", "الى", "المساعد"),
    }
)


class Step(StrEnum):
    ASK_QUESTION = "human:ask_question"
    ASK_PHONE = "human:ask_phone"


@router.intent(Intent.TALK_TO_HUMAN)
async def talk_to_person(ctx: Context, _: Understanding) -> list[Reply]:
    """Opens a conversation in the inbox of the centre in focus (or the admins'): what the
    user writes next goes to staff, whose answer comes back in this chat. A form the user
    was stuck in is left; its step is noted for staff, with the user's last lines before it
    (masked, from the engine's memory). ALO 153 and a callback stay offered."""
    where = _centre(ctx)
    context = _context(ctx)
    ctx.conv.clear()
    ctx.conv.handoff = await ctx.store.open_handoff(ctx.user, where, context, ctx.said)
    buttons = (
        Button.of(ctx.t("human.leave_request"), Action.CALLBACK),
        Button.of(ctx.t("human.back_to_assistant"), Action.HANDOFF_LEAVE),
    )
    return [Reply(ctx.t("human.handoff_opened"), buttons=buttons)]


def _centre(ctx: Context) -> str | None:
    """The centre whose staff should answer: the course or centre in focus, the course of the
    form, or the first centre of the district in focus; None sends it to the admins."""
    topic = ctx.conv.topic
    course = ctx.catalog.courses.get(str(ctx.conv.data.get("course", "")))
    if course is None and topic is not None and topic.course:
        course = ctx.catalog.courses.get(topic.course)
    if course is not None:
        return course.center
    if topic is not None and topic.centre in ctx.catalog.centers:
        return topic.centre
    if topic is not None and topic.district:
        for centre in ctx.catalog.centers.values():
            if centre.district == topic.district:
                return centre.id
    return None


def _context(ctx: Context) -> str:
    """A line for staff: the course in focus and the form step the user was at, if any."""
    topic = ctx.conv.topic
    branch = ctx.catalog.branches.get(topic.branch or "") if topic is not None else None
    parts = [branch.name] if branch is not None else []
    if ctx.conv.state:
        parts.append(ctx.conv.state)
    return " · ".join(parts)


@router.button("__handoff__")
async def held(ctx: Context, _: Payload) -> list[Reply]:
    """A message while a person answers: added to the thread, and the user told so. Nothing
    when staff have closed the thread: the assistant then answers as usual."""
    thread = ctx.conv.handoff
    if thread is None:
        return []
    text = ctx.incoming.text.strip()
    if tuple(tokens(text)) in LEAVE_WORDS:
        return await leave(ctx, Payload(Action.HANDOFF_LEAVE))
    if text:
        lines = await ctx.store.handoff_note(thread, ctx.user, text)
        if not lines:
            ctx.conv.handoff = None
            return []
        if lines == 1:  # the question that made the user ask for a person
            ctx.unanswered = "handoff"
    back = Button.of(ctx.t("human.back_to_assistant"), Action.HANDOFF_LEAVE)
    key = "human.handoff_passed" if text else "human.handoff_busy"  # a button: nothing passed
    return [Reply(ctx.t(key), buttons=(back,))]


@router.button(Action.HANDOFF_LEAVE)
async def leave(ctx: Context, _: Payload) -> list[Reply]:
    """ "asistana dön": the thread is closed for staff, and the assistant answers again."""
    thread, ctx.conv.handoff = ctx.conv.handoff, None
    if thread is not None:
        await ctx.store.leave_handoff(thread, ctx.user)
    return [Reply(ctx.t("human.handoff_left"))]


@router.button(Action.CALLBACK)
async def start_request(ctx: Context, _: Payload) -> list[Reply]:
    """Asks what the question is (leaving a conversation with a person, if one is open)."""
    if ctx.conv.handoff is not None:
        await ctx.store.leave_handoff(ctx.conv.handoff, ctx.user)
        ctx.conv.handoff = None
    ctx.conv.clear()
    ctx.conv.go(Step.ASK_QUESTION)
    return [Reply(ctx.t("human.ask_question"))]


@router.on_reprompt
async def reprompt(ctx: Context) -> list[Reply]:
    """Asks the pending question again."""
    key = "human.ask_question" if ctx.conv.state == Step.ASK_QUESTION else "human.ask_phone"
    return [Reply(ctx.t(key))]


@router.on_back
async def back(ctx: Context) -> list[Reply]:
    """Back from the phone question to the question itself."""
    ctx.conv.go(Step.ASK_QUESTION)
    return [Reply(ctx.t("human.ask_question"))]


@router.on_state
async def answer(ctx: Context) -> list[Reply] | None:
    """Takes the question, then the phone number, then stores the request."""
    text = ctx.incoming.text.strip()
    if ctx.conv.state == Step.ASK_QUESTION:
        if len(text) < 3:
            return [Reply(ctx.t("human.ask_question"))]
        ctx.conv.go(Step.ASK_PHONE, question=mask_national_ids(text)[:1000])
        own = ctx.own_phone()
        if own:
            return await _store(ctx, own)
        share = ctx.capabilities.contact_request
        return [Reply(ctx.t("human.ask_phone"), ask="contact" if share else None)]
    phone = ctx.incoming.phone if ctx.incoming.kind == "contact" else text
    number = normalise_phone(phone or "")
    if number is None:
        ctx.conv.failures += 1
        return [Reply(ctx.t("apply.bad_phone"))]
    return await _store(ctx, number)


async def _store(ctx: Context, phone: str) -> list[Reply]:
    request_id = await ctx.store.save_callback_request(
        ctx.user, phone, str(ctx.conv.data.get("question", ""))
    )
    ctx.conv.clear()
    return [Reply(ctx.t("human.stored", id=request_id, phone=phone))]
