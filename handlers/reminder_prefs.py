"""Hatırlatma ayarları: which of the configured class reminders a trainee gets.

The configured reminders come from MF_REMINDERS as kind codes (bot/reminder_policy.py):
"eve1800" is the evening before at 18:00, "m120" is 120 minutes before the class. A user's
choice is stored as "" (every configured kind), "off" (none) or the chosen codes joined by
commas. The menu's buttons carry a short version of the state they were drawn from, so a
button from an older menu (or for a kind no longer configured) changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import time, timedelta

from core.messages import Payload, Reply
from handlers.base import Context
from handlers.formatting import buttons, format_duration, format_time, safe_button, tr_locative
from nlu.understand import Understanding

ACTION = "rs"
ALL_OFF = "off"
ALL_ON = "on"
EVENING_FROM = 17  # an evening-before reminder at or after this hour is "akşam", else "gün"

_CODE = re.compile(r"^(?:eve(?P<hh>\d{2})(?P<mm>\d{2})|m(?P<minutes>\d+))$")
_UNITS = ("", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz")
_TENS = ("", "on", "yirmi", "otuz", "kırk", "elli")


@dataclass(frozen=True, slots=True)
class ReminderKind:
    code: str
    at: time | None = None  # the evening (or day) before, at this time
    minutes: int | None = None  # this long before the class starts


def parse_kind(code: str) -> ReminderKind | None:
    """The reminder a kind code stands for; None for a code this version does not know."""
    m = _CODE.match(code)
    if m is None:
        return None
    if m["minutes"] is not None:
        return ReminderKind(code, minutes=int(m["minutes"]))
    hour, minute = int(m["hh"]), int(m["mm"])
    if hour > 23 or minute > 59:
        return None
    return ReminderKind(code, at=time(hour, minute))


def configured(ctx: Context) -> list[ReminderKind]:
    """The configured reminders, earliest first: evenings before, then the longest lead."""
    kinds = [k for k in map(parse_kind, dict.fromkeys(ctx.reminder_kinds)) if k is not None]
    return sorted(kinds, key=_lead)


def _lead(kind: ReminderKind) -> tuple[int, int]:
    if kind.at is not None:
        return (0, kind.at.hour * 60 + kind.at.minute)
    return (1, -(kind.minutes or 0))


def enabled_of(pref: str, codes: list[str]) -> list[str]:
    """The configured kinds a stored choice lets through, in menu order."""
    if pref == "off":
        return []
    if not pref:
        return list(codes)
    chosen = set(pref.split(","))
    return [c for c in codes if c in chosen]


def pref_for(enabled: set[str], codes: list[str]) -> str:
    """The stored form of a choice: "" for every kind, "off" for none, else the codes."""
    if not enabled:
        return "off"
    if enabled.issuperset(codes):
        return ""
    return ",".join(c for c in codes if c in enabled)


def version(codes: list[str], enabled: list[str]) -> str:
    """A short fingerprint of the menu's state; a button drawn from another state is stale."""
    raw = ",".join(codes) + "|" + ",".join(enabled)
    return hashlib.blake2s(raw.encode("utf-8"), digest_size=3).hexdigest()


def _spoken_last_word(number: int) -> str:
    """The last word of a clock number read aloud in Turkish: 18 → "sekiz", 30 → "otuz"."""
    if number == 0:
        return "sıfır"
    if number % 10:
        return _UNITS[number % 10]
    return _TENS[number // 10]  # clock numbers stay below 60


def _time_at(at: time, locale: str) -> str:
    """'18.00'de', '18.30'da', '08.45'te' — the suffix follows the number as it is read."""
    text = format_time(at, locale)
    if locale != "tr":
        return text
    word = _spoken_last_word(at.minute or at.hour)
    return text + tr_locative(word)[len(word) :]


def describe(ctx: Context, kind: ReminderKind, *, short: bool = False) -> str:
    """'Dersten önceki akşam saat 18.00'de', 'Dersten 2 saat önce'; short, for a button:
    'Akşam 18.00', '2 saat önce'. (MF_REMINDERS refuses 0m, so every kind has a lead.)"""
    prefix = "classes.label_" if short else "classes.when_"
    if kind.at is not None:
        part = "eve" if kind.at.hour >= EVENING_FROM else "day"
        at = format_time(kind.at, ctx.locale) if short else _time_at(kind.at, ctx.locale)
        return ctx.t(prefix + part, time=at)
    duration = format_duration(timedelta(minutes=kind.minutes or 0), ctx.locale)
    return ctx.t(prefix + "before", duration=duration)


def menu(ctx: Context, pref: str, note: str = "", *, replace_previous: bool = False) -> Reply:
    """Each configured reminder with its state, "all off" (or "all on") and a toggle per kind."""
    kinds = configured(ctx)
    if not kinds:
        return Reply(ctx.t("classes.prefs_none_configured"))
    codes = [k.code for k in kinds]
    enabled = enabled_of(pref, codes)
    stamp = version(codes, enabled)
    lines, toggles = [], []
    for kind in kinds:
        on = kind.code in enabled
        state = ctx.t("classes.reminders_on") if on else ctx.t("classes.reminders_off")
        lines.append(ctx.t("classes.prefs_line", what=describe(ctx, kind), state=state))
        verb = "classes.turn_kind_off" if on else "classes.turn_kind_on"
        label = ctx.t(verb, what=describe(ctx, kind, short=True))
        toggles.append(safe_button(label, ACTION, stamp, kind.code))
    if len(kinds) > 1:  # the whole opt-out (or back in) comes first, the kinds after it
        toggles.insert(
            0,
            safe_button(ctx.t("classes.turn_all_off"), ACTION, stamp, ALL_OFF)
            if enabled
            else safe_button(ctx.t("classes.turn_all_on"), ACTION, stamp, ALL_ON),
        )
    text = ctx.t("classes.prefs_menu", lines="\n".join(lines))
    return Reply(
        f"{note}\n\n{text}" if note else text,
        buttons=buttons(*toggles),
        replace_previous=replace_previous,
    )


async def reminder_settings(ctx: Context, _: Understanding) -> list[Reply]:
    """Shows the configured reminders, which of them the user gets, and how to change that."""
    return [menu(ctx, await ctx.store.reminder_pref(ctx.user))]


async def toggle(ctx: Context, p: Payload) -> list[Reply]:
    """Turns one reminder kind (or all of them) on or off, then shows the menu again."""
    pref = await ctx.store.reminder_pref(ctx.user)
    kinds = {k.code: k for k in configured(ctx)}
    codes = list(kinds)
    enabled = enabled_of(pref, codes)
    if len(p.args) != 2 or p.args[0] != version(codes, enabled):
        return _stale(ctx, pref)
    target = p.args[1]
    if target == ALL_OFF and enabled:
        chosen: set[str] = set()
        note = ctx.t("classes.reminders_now_off")
    elif target == ALL_ON and not enabled:
        chosen = set(codes)
        note = ctx.t("classes.reminders_now_on")
    elif target in kinds:
        on = target not in enabled
        chosen = set(enabled) ^ {target}
        key = "classes.kind_now_on" if on else "classes.kind_now_off"
        note = ctx.t(key, what=describe(ctx, kinds[target]))
    else:
        return _stale(ctx, pref)
    value = pref_for(chosen, codes)
    await ctx.store.set_reminder_pref(ctx.user, value)
    return [menu(ctx, value, note, replace_previous=True)]


def _stale(ctx: Context, pref: str) -> list[Reply]:
    """A button from an older menu or a forged one: a polite word and the menu as it is now."""
    return [Reply(ctx.t("engine.stale_button")), menu(ctx, pref)]
