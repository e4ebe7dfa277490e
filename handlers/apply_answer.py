"""A typed answer to the pending question of the form: checked, kept, and the next one asked."""

from __future__ import annotations

from datetime import date

from core.actions import Action
from core.intents import Intent
from core.messages import Button, Reply
from handlers.apply_ask import ask, name_check, phone_question, question, which_branch
from handlers.apply_fix import typed_fix
from handlers.apply_mind import about_this_course, change_of_mind
from handlers.apply_offer import age_rules, choose_course, next_open_step
from handlers.apply_steps import (
    EDUCATION,
    EMPLOYMENT,
    Checked,
    Step,
    audience_answer,
    check_birth_date,
    check_choice,
    check_district,
    check_name,
    check_national_id,
    check_phone,
    has_question_cue,
    name_is_unsure,
)
from handlers.apply_submit import course_label, open_offerings, submit
from handlers.base import Context
from handlers.formatting import safe_button
from handlers.typed import asks, yes_or_no
from nlu.text import tokens

_QUESTION_INTENTS_MIN = 0.6


def _looks_like_question(ctx: Context) -> bool:
    if ctx.conv.state == Step.ASK_NAME and not has_question_cue(ctx.incoming.text):
        return False
    u = ctx.understanding
    if u.confidence < _QUESTION_INTENTS_MIN or u.intent in ("out_of_scope", "greeting"):
        return False
    return u.intent != "apply" or u.branch is not None


async def answer(ctx: Context) -> list[Reply] | None:
    """Takes the message as the answer to the pending question, or None if it is not one."""
    step = Step(ctx.conv.state or Step.ASK_BRANCH)
    text = ctx.incoming.text
    if ctx.incoming.kind == "contact" and step is Step.ASK_PHONE:
        if not ctx.incoming.phone_is_own or not ctx.incoming.phone:
            return [Reply(ctx.t("apply.contact_not_own")), phone_question(ctx)]
        text = ctx.incoming.phone
    elif ctx.incoming.kind != "text":
        return None
    else:
        fix = typed_fix(ctx) if step is Step.CONFIRM and yes_or_no(text) is None else None
        if fix is not None:
            field, value = fix  # "adımı yanlış yazdım, Fatma Demir olacak"
            if value is None:
                return await ask(ctx, choose_course, field)
            return await accept(ctx, field, value)
        changed = await change_of_mind(ctx, step, choose_course)
        if changed is not None:
            return changed
        about = about_this_course(ctx)
        if about is not None:
            return [about, *await question(ctx, choose_course)]
        if step in _WHY and asks_why(text):  # "tc kimlik nomu vermek zorunda mıyım, neden?"
            return [Reply(ctx.t(_WHY[step])), *await question(ctx, choose_course)]
    if step is Step.ASK_BRANCH:
        return await _answer_branch(ctx)
    if step in (Step.CHOOSE_COURSE, Step.WOMEN_ONLY, Step.CONSENT, Step.CONFIRM):
        return await _answer_buttons_by_text(ctx, step, text)
    if step is Step.ASK_NAME and has_question_cue(text):  # a question is never a name
        return None
    if asks(text, tokens(text)) and _looks_like_question(ctx):  # "bornovadaki merkez nerede"
        return None
    checked = _check(step, text)
    if checked.problem:
        if step is not Step.ASK_NAME and _looks_like_question(ctx):
            return None
        ctx.conv.failures += 1
        return [
            Reply(ctx.t(checked.problem, **(checked.extra or {}))),
            *await question(ctx, choose_course),
        ]
    if step is Step.ASK_NAME and _name_is_unsure(ctx, text):
        ctx.conv.data["name_unsure"] = checked.value
        return [name_check(ctx, checked.value or "")]
    return await accept(ctx, step, checked.value or "")


# Why each personal question is asked, for "neden istiyorsunuz", "zorunda mıyım", "why?".
_WHY = {
    Step.ASK_NAME: "apply.why_name",
    Step.ASK_BIRTH_DATE: "apply.why_birth_date",
    Step.ASK_NATIONAL_ID: "apply.why_national_id",
    Step.ASK_PHONE: "apply.why_phone",
    Step.ASK_DISTRICT: "apply.why_other",
    Step.ASK_EDUCATION: "apply.why_other",
    Step.ASK_EMPLOYMENT: "apply.why_other",
}
_WHY_WORDS = frozenset(
    ("neden", "niye", "nicin", "zorunda", "zorundamiyim", "zorunlu", "zorunlumu", "mecbur",
     "mecburmu", "mecburmuyum", "why", "لماذا", "ليش", "ليه", "ضروري", "الزامي", "إلزامي")
)  # fmt: skip
_NEEDED = frozenset({"gerekli", "gerek", "sart", "lazim", "required", "necessary"})
_PARTICLES = frozenset({"mi", "mu", "miyim", "muyum", "mudur", "midir"})


def asks_why(text: str) -> bool:
    """Whether the message asks why a question is asked or whether it must be answered."""
    words = tokens(text)
    if _WHY_WORDS.intersection(words):
        return True
    return bool(_NEEDED.intersection(words)) and ("?" in text or bool(_PARTICLES & set(words)))


def _name_is_unsure(ctx: Context, text: str) -> bool:
    """A name that also reads as a sentence ("...istiyorum") or is made of course words only
    ("İleri Excel"); a surname that is one course word ("Can Demir") is a name."""
    if name_is_unsure(text):
        return True
    known = ctx.catalog.branch_words
    return all(w in known or any(w[:n] in known for n in range(4, len(w))) for w in tokens(text))


def _check(step: Step, text: str) -> Checked:
    if step is Step.ASK_NAME:
        return check_name(text)
    if step is Step.ASK_NATIONAL_ID:
        return check_national_id(text)
    if step is Step.ASK_BIRTH_DATE:
        return check_birth_date(text)
    if step is Step.ASK_PHONE:
        return check_phone(text)
    if step is Step.ASK_DISTRICT:
        return check_district(text)
    options = EDUCATION if step is Step.ASK_EDUCATION else EMPLOYMENT
    return check_choice(text, options, {})


async def _answer_branch(ctx: Context) -> list[Reply] | None:
    u = ctx.understanding
    if len(u.candidates) > 1:
        return [which_branch(ctx, list(u.candidates))]
    if u.branch:
        return await choose_course(ctx, u.branch)
    if u.intent not in ("out_of_scope", "apply", "list_courses", "course_info"):
        return None
    ctx.conv.failures += 1
    return [Reply(ctx.t("apply.branch_not_found"))]


async def _answer_buttons_by_text(ctx: Context, step: Step, text: str) -> list[Reply] | None:
    """Yes/no words where the buttons were not offered last (an older message, a restart);
    otherwise says what the question expects and shows its buttons again."""
    if ctx.understanding.intent == Intent.DELETE_MY_DATA:
        return None  # "verilerimi sil": its "sil" says yes to the erasure only (bot/routing.py)
    answer = yes_or_no(text)
    if step is Step.WOMEN_ONLY and answer is None:
        answer = audience_answer(text)
    if step is Step.CONSENT and answer is not None:
        return await consent(ctx, answer)
    if step is Step.WOMEN_ONLY and answer is not None:
        return await eligible(ctx, answer)
    if step is Step.CONFIRM and answer:
        return await submit(ctx)
    if _looks_like_question(ctx):
        return None
    ctx.conv.failures += 1
    return [Reply(ctx.t(_EXPECTED[step])), *await question(ctx, choose_course)]


# What a question with buttons expects, said when a message answered none of them.
_EXPECTED = {
    Step.CHOOSE_COURSE: "apply.expect_course",
    Step.WOMEN_ONLY: "apply.expect_yes_no",
    Step.CONSENT: "apply.expect_consent",
    Step.CONFIRM: "apply.expect_confirm",
}


async def accept(ctx: Context, step: Step, value: str) -> list[Reply]:
    """Keeps a checked answer (the national id and birth date after their rules) and asks on."""
    data = ctx.conv.data
    if step is Step.ASK_NATIONAL_ID:
        refusal = await _id_rules(ctx, value)
        if refusal:
            return refusal
        data["nid"] = ctx.store.seal(value)
    elif step is Step.ASK_BIRTH_DATE:
        refusal = age_rules(ctx, date.fromisoformat(value))
        if refusal:
            return refusal
        data["birth"] = value
    else:
        data[_FIELD_OF[step]] = value
    data.pop("name_unsure", None)
    return await _next(ctx, step)


_FIELD_OF = {
    Step.ASK_NAME: "name",
    Step.ASK_PHONE: "phone",
    Step.ASK_DISTRICT: "district",
    Step.ASK_EDUCATION: "education",
    Step.ASK_EMPLOYMENT: "employment",
}


async def _next(ctx: Context, step: Step) -> list[Reply]:
    notes: list[Reply] = []
    if step is Step.ASK_BIRTH_DATE and ctx.conv.data.pop("minor", False):
        notes.append(Reply(ctx.t("apply.minor_note")))
    return notes + await ask(ctx, choose_course, next_open_step(ctx))


async def _id_rules(ctx: Context, national_id: str) -> list[Reply] | None:
    active = await ctx.store.active_applications_for_id(national_id)
    course = str(ctx.conv.data.get("course", ""))
    same = next((a for a in active if a.course == course), None)
    if same:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.already_applied", number=same.number))]
    limit = ctx.max_active
    if len(active) >= limit:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.too_many", limit=limit))]
    return None


async def consent(ctx: Context, given: bool) -> list[Reply]:
    """Ends the form when consent is refused; otherwise notes it and asks the first question."""
    if not given:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.consent_refused"))]
    ctx.conv.data["consent"] = ctx.now.isoformat()
    return await ask(ctx, choose_course, next_open_step(ctx))


async def eligible(ctx: Context, fits: bool) -> list[Reply]:
    """Goes on to the privacy notice, or explains kindly and offers what is open to everyone."""
    if fits:
        ctx.conv.data["women_ok"] = True
        return await ask(ctx, choose_course, next_open_step(ctx))
    branch = ctx.catalog.branches[str(ctx.conv.data["branch"])]
    ctx.conv.clear()
    others = [c for c in open_offerings(ctx, branch.id) if not c.women_only][:9]
    taken = await ctx.store.seats_taken([c.id for c in others]) if others else {}
    buttons = [
        safe_button(course_label(ctx, c, c.capacity - taken.get(c.id, 0)), Action.APPLY, c.id)
        for c in others
    ]
    buttons.append(Button.of(ctx.t("apply.other_courses"), Action.ASK, Intent.LIST_COURSES))
    key = "apply.women_only_others" if others else "apply.women_only_none"
    return [Reply(ctx.t(key, branch=branch.name), buttons=tuple(b for b in buttons if b))]
