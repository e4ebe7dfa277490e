"""Applying for a course by chat: branch → offering → consent → the form → summary → submit."""

from __future__ import annotations

from datetime import date

from core.actions import Action
from core.checks import age_on
from core.intents import Intent
from core.messages import Button, Payload, Reply
from handlers.apply_ask import (
    ask,
    form_button,
    name_check,
    phone_question,
    question,
    which_branch,
)
from handlers.apply_mind import about_this_course, change_of_mind
from handlers.apply_steps import (
    EDITABLE,
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
    next_step,
    previous_step,
)
from handlers.apply_submit import course_label, open_offerings, submit
from handlers.base import Context, Router
from handlers.focus import topic_of
from handlers.formatting import safe_button
from handlers.typed import asks, yes_or_no
from nlu.text import tokens
from nlu.understand import Understanding

router = Router("apply")

_QUESTION_INTENTS_MIN = 0.6


# Entry points ----------------------------------------------------------------------------


@router.intent(Intent.APPLY)
async def start(ctx: Context, u: Understanding) -> list[Reply]:
    """Starts an application; asks which course when the message names none."""
    ctx.conv.clear()
    if u.branch and len(u.candidates) <= 1:
        topic = topic_of(ctx)  # "buna başvurayım" after one offering was shown: that one
        lone = topic.course if topic is not None and topic.branch == u.branch else None
        if lone and lone in {c.id for c in open_offerings(ctx, u.branch)}:
            return await _take_course(ctx, u.branch, lone)
        return await _choose_course(ctx, u.branch)
    ctx.conv.go(Step.ASK_BRANCH)
    if len(u.candidates) > 1:
        return [which_branch(ctx, list(u.candidates))]
    return [Reply(ctx.t("apply.ask_branch"))]


@router.button(Action.APPLY)
async def start_from_button(ctx: Context, p: Payload) -> list[Reply]:
    """Starts an application for an offering (`apply|<course>`) or a branch (`apply|<branch>`)."""
    first = p.args[0] if p.args else ""
    offering = ctx.catalog.courses.get(first)
    branch = offering.branch if offering else first
    course = offering.id if offering else (p.args[1] if len(p.args) > 1 else "")
    if branch not in ctx.catalog.branches:
        return [Reply(ctx.t("apply.unknown_branch"))]
    ctx.conv.clear()
    if course:
        offers = {c.id for c in open_offerings(ctx, branch)}
        if course in offers:
            return await _take_course(ctx, branch, course)
    return await _choose_course(ctx, branch)


@router.button(Action.APPLY_BRANCH)
async def branch_button(ctx: Context, p: Payload) -> list[Reply]:
    """The user picked a branch from the options."""
    if not _fresh(ctx, p) or len(p.args) < 2 or p.args[1] not in ctx.catalog.branches:
        return _stale(ctx)
    return await _choose_course(ctx, p.args[1])


async def _choose_course(ctx: Context, branch: str) -> list[Reply]:
    offers = open_offerings(ctx, branch)
    name = ctx.catalog.branches[branch].name
    if not offers:
        ctx.conv.clear()
        interest = Button.of(ctx.t("apply.notify_me"), Action.NOTIFY, branch)
        return [Reply(ctx.t("apply.no_open_offering", branch=name), buttons=(interest,))]
    ctx.conv.go(Step.CHOOSE_COURSE, branch=branch)
    taken = await ctx.store.seats_taken([c.id for c in offers])
    buttons = tuple(
        Button(course_label(ctx, c, c.capacity - taken.get(c.id, 0)), _course_data(ctx, c.id))
        for c in offers[:10]
    )
    return [Reply(ctx.t("apply.choose_course", branch=name), buttons=buttons)]


def _course_data(ctx: Context, course: str) -> str:
    return Payload(Action.APPLY_COURSE, (ctx.conv.token, course)).encode()


@router.button(Action.APPLY_COURSE)
async def course_button(ctx: Context, p: Payload) -> list[Reply]:
    """The user picked an offering; next comes the privacy notice."""
    if not _fresh(ctx, p) or len(p.args) < 2:
        return _stale(ctx)
    branch = str(ctx.conv.data.get("branch", ""))
    if p.args[1] not in {c.id for c in open_offerings(ctx, branch)}:
        return [Reply(ctx.t("apply.course_gone")), *await _choose_course(ctx, branch)]
    return await _take_course(ctx, branch, p.args[1])


async def _take_course(ctx: Context, branch: str, course: str) -> list[Reply]:
    """Keeps the chosen offering and asks the first question still open (the audience question
    of a women-only course, else the privacy notice; the summary when correcting)."""
    data = ctx.conv.data
    data.update(branch=branch, course=course)
    if data.get("birth"):  # chosen again from the summary: the new offering's age limits
        refusal = _age_rules(ctx, date.fromisoformat(str(data["birth"])))
        data.pop("minor", None)
        if refusal:
            return refusal
    return await ask(ctx, _choose_course, _next_step(ctx))


def _next_step(ctx: Context) -> Step:
    course = ctx.catalog.courses.get(str(ctx.conv.data.get("course", "")))
    return next_step(ctx.conv.data, bool(course and course.women_only))


@router.on_reprompt
async def reprompt(ctx: Context) -> list[Reply]:
    """Asks the pending question again after an interruption."""
    return await question(ctx, _choose_course)


@router.on_back
async def back(ctx: Context) -> list[Reply]:
    """Goes back one question."""
    step = Step(ctx.conv.state or Step.ASK_BRANCH)
    if step in (Step.ASK_BRANCH, Step.CHOOSE_COURSE):
        return await start(ctx, ctx.understanding)
    course = ctx.catalog.courses.get(str(ctx.conv.data.get("course", "")))
    ctx.conv.data.pop("name_unsure", None)
    return await ask(ctx, _choose_course, previous_step(step, bool(course and course.women_only)))


# Answering ---------------------------------------------------------------------------------


def _looks_like_question(ctx: Context) -> bool:
    if ctx.conv.state == Step.ASK_NAME and not has_question_cue(ctx.incoming.text):
        return False
    u = ctx.understanding
    if u.confidence < _QUESTION_INTENTS_MIN or u.intent in ("out_of_scope", "greeting"):
        return False
    return u.intent != "apply" or u.branch is not None


@router.on_state
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
        changed = await change_of_mind(ctx, step, _choose_course)
        if changed is not None:
            return changed
        about = about_this_course(ctx)
        if about is not None:
            return [about, *await question(ctx, _choose_course)]
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
            *await question(ctx, _choose_course),
        ]
    if step is Step.ASK_NAME and _name_is_unsure(ctx, text):
        ctx.conv.data["name_unsure"] = checked.value
        return [name_check(ctx, checked.value or "")]
    return await _accept(ctx, step, checked.value or "")


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
        return await _choose_course(ctx, u.branch)
    if u.intent not in ("out_of_scope", "apply", "list_courses", "course_info"):
        return None
    ctx.conv.failures += 1
    return [Reply(ctx.t("apply.branch_not_found"))]


async def _answer_buttons_by_text(ctx: Context, step: Step, text: str) -> list[Reply] | None:
    """Yes/no words where the buttons were not offered last (an older message, a restart);
    otherwise says what the question expects and shows its buttons again."""
    answer = yes_or_no(text)
    if step is Step.WOMEN_ONLY and answer is None:
        answer = audience_answer(text)
    if step is Step.CONSENT and answer is not None:
        return await _consent(ctx, answer)
    if step is Step.WOMEN_ONLY and answer is not None:
        return await _eligible(ctx, answer)
    if step is Step.CONFIRM and answer:
        return await submit(ctx)
    if _looks_like_question(ctx):
        return None
    ctx.conv.failures += 1
    return [Reply(ctx.t(_EXPECTED[step])), *await question(ctx, _choose_course)]


# What a question with buttons expects, said when a message answered none of them.
_EXPECTED = {
    Step.CHOOSE_COURSE: "apply.expect_course",
    Step.WOMEN_ONLY: "apply.expect_yes_no",
    Step.CONSENT: "apply.expect_consent",
    Step.CONFIRM: "apply.expect_confirm",
}


async def _accept(ctx: Context, step: Step, value: str) -> list[Reply]:
    data = ctx.conv.data
    if step is Step.ASK_NATIONAL_ID:
        refusal = await _id_rules(ctx, value)
        if refusal:
            return refusal
        data["nid"] = ctx.store.seal(value)
    elif step is Step.ASK_BIRTH_DATE:
        refusal = _age_rules(ctx, date.fromisoformat(value))
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
    return notes + await ask(ctx, _choose_course, _next_step(ctx))


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


def _age_rules(ctx: Context, born: date) -> list[Reply] | None:
    if born > ctx.today:
        ctx.conv.failures += 1
        return [Reply(ctx.t("apply.birth_in_future")), Reply(ctx.t("apply.ask_birth_date"))]
    if age_on(born, ctx.today) > 100:
        ctx.conv.failures += 1
        return [Reply(ctx.t("apply.bad_birth_date")), Reply(ctx.t("apply.ask_birth_date"))]
    course = ctx.catalog.courses[str(ctx.conv.data["course"])]
    branch = ctx.catalog.branches[course.branch]
    minimum = max(branch.min_age, course.min_age or 0)
    age = age_on(born, max(course.starts_on, ctx.today))
    if age < minimum:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.too_young", minimum=minimum, age=age))]
    if course.max_age is not None and age > course.max_age:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.too_old", maximum=course.max_age))]
    ctx.conv.data["minor"] = age < 18
    return None


# Buttons inside the form -------------------------------------------------------------------


def _fresh(ctx: Context, p: Payload) -> bool:
    return bool(p.args) and bool(ctx.conv.state) and p.args[0] == ctx.conv.token


def _stale(ctx: Context) -> list[Reply]:
    return [Reply(ctx.t("engine.stale_button"))]


@router.button(Action.CONSENT)
async def consent_button(ctx: Context, p: Payload) -> list[Reply]:
    """Consent given or refused."""
    if not _fresh(ctx, p) or ctx.conv.state != Step.CONSENT:
        return _stale(ctx)
    return await _consent(ctx, p.args[1:2] == ("y",))


async def _consent(ctx: Context, given: bool) -> list[Reply]:
    if not given:
        ctx.conv.clear()
        return [Reply(ctx.t("apply.consent_refused"))]
    ctx.conv.data["consent"] = ctx.now.isoformat()
    return await ask(ctx, _choose_course, _next_step(ctx))


@router.button(Action.ELIGIBLE)
async def eligible_button(ctx: Context, p: Payload) -> list[Reply]:
    """The answer to "this course is for women only; is it right for you?"."""
    if not _fresh(ctx, p) or ctx.conv.state != Step.WOMEN_ONLY:
        return _stale(ctx)
    return await _eligible(ctx, p.args[1:2] == ("y",))


async def _eligible(ctx: Context, fits: bool) -> list[Reply]:
    """Goes on to the privacy notice, or explains kindly and offers what is open to everyone."""
    if fits:
        ctx.conv.data["women_ok"] = True
        return await ask(ctx, _choose_course, _next_step(ctx))
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


@router.button(Action.NAME_CHECK)
async def name_check_button(ctx: Context, p: Payload) -> list[Reply]:
    """Keeps the name read from an unsure message, or asks for it again."""
    name = ctx.conv.data.pop("name_unsure", None)
    if not _fresh(ctx, p) or ctx.conv.state != Step.ASK_NAME or not name:
        return _stale(ctx)
    if p.args[1:2] == ("y",):
        return await _accept(ctx, Step.ASK_NAME, str(name))
    return [Reply(ctx.t("apply.ask_name"))]


@router.button(Action.OWN_PHONE)
async def own_phone_button(ctx: Context, p: Payload) -> list[Reply]:
    """Use the number the user writes from (channels whose user id is the phone number)."""
    own = ctx.own_phone()
    if not _fresh(ctx, p) or ctx.conv.state != Step.ASK_PHONE or own is None:
        return _stale(ctx)
    checked = check_phone(own)
    if checked.value is None:
        return [Reply(ctx.t("apply.bad_phone")), phone_question(ctx)]
    return await _accept(ctx, Step.ASK_PHONE, checked.value)


@router.button(Action.OUTSIDE_IZMIR)
async def outside_button(ctx: Context, p: Payload) -> list[Reply]:
    """The user lives outside İzmir."""
    if not _fresh(ctx, p) or ctx.conv.state != Step.ASK_DISTRICT:
        return _stale(ctx)
    return await _accept(ctx, Step.ASK_DISTRICT, check_district("izmir dışı").value or "")


@router.button(Action.FORM_OPTION)
async def option_button(ctx: Context, p: Payload) -> list[Reply]:
    """An education or employment option (or skip)."""
    step = ctx.conv.state
    if not _fresh(ctx, p) or step not in (Step.ASK_EDUCATION, Step.ASK_EMPLOYMENT):
        return _stale(ctx)
    options = EDUCATION if step == Step.ASK_EDUCATION else EMPLOYMENT
    value = p.args[1] if len(p.args) > 1 else ""
    if value and value not in options:
        return _stale(ctx)
    return await _accept(ctx, Step(step), value)


@router.button(Action.SUMMARY)
async def summary_button(ctx: Context, p: Payload) -> list[Reply]:
    """Submit, or choose a field to correct."""
    if not _fresh(ctx, p) or ctx.conv.state != Step.CONFIRM:
        return _stale(ctx)
    what = p.args[1] if len(p.args) > 1 else ""
    if what == "send":
        return await submit(ctx)
    if what == "edit":
        buttons = tuple(
            form_button(ctx, f"apply.field_{f}", Action.EDIT_FIELD, f) for f in EDITABLE
        )
        return [Reply(ctx.t("apply.which_field"), buttons=buttons)]
    return _stale(ctx)


@router.button(Action.EDIT_FIELD)
async def edit_button(ctx: Context, p: Payload) -> list[Reply]:
    """Asks again for the one field the user wants to correct, then returns to the summary."""
    if not _fresh(ctx, p) or ctx.conv.state != Step.CONFIRM or len(p.args) < 2:
        return _stale(ctx)
    step = EDITABLE.get(p.args[1])
    if step is None:
        return _stale(ctx)
    return await ask(ctx, _choose_course, step)
