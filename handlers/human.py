"""Reaching a person: the ways to contact staff, and a callback request left by chat."""

from __future__ import annotations

from enum import StrEnum

from core.actions import Action
from core.checks import mask_national_ids, normalise_phone
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.base import Context, Router
from nlu.understand import Understanding

router = Router("human")


class Step(StrEnum):
    ASK_QUESTION = "human:ask_question"
    ASK_PHONE = "human:ask_phone"


@router.intent(Intent.TALK_TO_HUMAN)
async def contact_ways(ctx: Context, _: Understanding) -> list[Reply]:
    """Gives ALO 153 and offers to leave a callback request."""
    leave = Button.of(ctx.t("human.leave_request"), Action.CALLBACK)
    return [Reply(ctx.t("human.ways"), buttons=(leave,))]


@router.button(Action.CALLBACK)
async def start_request(ctx: Context, _: Payload) -> list[Reply]:
    """Asks what the question is."""
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
