"""Turns the engine's replies into Telegram Bot API operations (pure: nothing is sent here)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from core.messages import MAX_PAYLOAD_BYTES, Button, Location, Reply

log = logging.getLogger(__name__)

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units
SHORT_LABEL = 16  # two buttons of at most this many characters share a row
EMPTY_TEXT = "…"  # Telegram refuses empty messages; a reply with only buttons gets this

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True, slots=True)
class Op:
    """One Bot API call: send or edit a text, set buttons on the last sent text, or a place."""

    action: Literal["send", "edit", "set_buttons", "place"]
    text: str = ""
    markup: Markup | None = None
    place: Location | None = None


@dataclass(frozen=True, slots=True)
class Labels:
    """The words on the reply keyboard that asks for a location or a phone number."""

    share_location: str
    share_contact: str
    cancel: str
    hint: str  # a short text carrying the keyboard when the question itself has buttons


@dataclass(frozen=True, slots=True)
class Turn:
    """The operations of one turn, whether they open a reply keyboard or remove the open one."""

    ops: list[Op]
    asked: bool = False
    removed: bool = False


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _hard_split(line: str, limit: int) -> list[str]:
    """Cuts one over-long line, at a space where possible."""
    pieces: list[str] = []
    while utf16_len(line) > limit:
        cut, used = 0, 0
        for i, char in enumerate(line):
            used += utf16_len(char)
            if used > limit:
                break
            cut = i + 1
        space = line.rfind(" ", 0, cut)
        at = space if space > cut // 2 else cut
        pieces.append(line[:at])
        line = line[at:].lstrip(" ")
    pieces.append(line)
    return pieces


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Splits a text into messages within Telegram's limit, on line boundaries."""
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for piece in _hard_split(line, limit):
            candidate = piece if current is None else f"{current}\n{piece}"
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                if current is not None:
                    chunks.append(current)
                current = piece
    if current is not None:
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def _usable(button: Button) -> bool:
    size = len(button.data.encode("utf-8"))
    if not button.label.strip() or not 1 <= size <= MAX_PAYLOAD_BYTES:
        log.error("dropping a button Telegram would refuse: %r", button.label[:40])
        return False
    return True


def inline_keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button per row; two consecutive short labels share a row."""
    usable = [b for b in buttons if _usable(b)]
    if not usable:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    i = 0
    while i < len(usable):
        first = usable[i]
        row = [InlineKeyboardButton(first.label, callback_data=first.data)]
        if i + 1 < len(usable):
            second = usable[i + 1]
            if len(first.label) <= SHORT_LABEL and len(second.label) <= SHORT_LABEL:
                row.append(InlineKeyboardButton(second.label, callback_data=second.data))
                i += 1
        rows.append(row)
        i += 1
    return InlineKeyboardMarkup(rows)


def ask_keyboard(ask: Literal["location", "contact"], labels: Labels) -> ReplyKeyboardMarkup:
    """A one-time keyboard with the share button and a way out."""
    if ask == "location":
        share = KeyboardButton(labels.share_location, request_location=True)
    else:
        share = KeyboardButton(labels.share_contact, request_contact=True)
    return ReplyKeyboardMarkup(
        [[share], [KeyboardButton(labels.cancel)]], resize_keyboard=True, one_time_keyboard=True
    )


def _reply_ops(reply: Reply, labels: Labels, edit: bool) -> list[Op]:
    inline = inline_keyboard(reply.buttons)
    asking = ask_keyboard(reply.ask, labels) if reply.ask else None
    text = reply.text if reply.text.strip() else EMPTY_TEXT
    chunks = split_text(text) or [EMPTY_TEXT]
    ops: list[Op] = []
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        action: Literal["send", "edit"] = "edit" if edit and i == 0 else "send"
        markup: Markup | None = None
        if last and inline is not None:
            markup = inline
        elif last and asking is not None and action == "send":
            markup, asking = asking, None
        ops.append(Op(action, chunk, markup))
    if reply.location is not None:
        ops.append(Op("place", place=reply.location))
    if asking is not None:  # the question had buttons or was an edit: a short text carries it
        ops.append(Op("send", labels.hint, asking))
    return ops


def _remove_keyboard(ops: list[Op]) -> bool:
    """Puts ReplyKeyboardRemove on the first new message that can carry it."""
    for i, op in enumerate(ops):
        if op.action in ("send", "place") and op.markup is None:
            ops[i] = replace(op, markup=ReplyKeyboardRemove())
            return True
    for i, op in enumerate(ops):
        if op.action == "send" and isinstance(op.markup, InlineKeyboardMarkup):
            # One message has one markup: remove the keyboard, then put the buttons back.
            ops[i : i + 1] = [
                replace(op, markup=ReplyKeyboardRemove()),
                Op("set_buttons", "", op.markup),
            ]
            return True
    return False


def render(
    replies: Sequence[Reply],
    labels: Labels,
    *,
    can_edit: bool = False,
    remove_keyboard: bool = False,
) -> Turn:
    """The operations for a turn's replies, in order."""
    ops: list[Op] = []
    edited = False
    for reply in replies:
        edit = reply.replace_previous and can_edit and not edited
        edited = edited or edit
        ops.extend(_reply_ops(reply, labels, edit))
    asked = any(r.ask for r in replies)
    removed = remove_keyboard and not asked and _remove_keyboard(ops)
    return Turn(ops, asked=asked, removed=removed)


_MARKUPS: dict[str, type[Markup]] = {
    m.__name__: m for m in (InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove)
}


def dump_turn(turn: Turn) -> dict[str, Any]:
    """A turn as JSON data, to keep with the turn's record until it is sent."""
    return {
        "ops": [
            {
                "action": op.action,
                "text": op.text,
                "markup": None
                if op.markup is None
                else {"type": type(op.markup).__name__, **op.markup.to_dict()},
                "place": None if op.place is None else asdict(op.place),
            }
            for op in turn.ops
        ],
        "asked": turn.asked,
        "removed": turn.removed,
    }


def load_turn(data: dict[str, Any]) -> Turn:
    """The turn `dump_turn` made this data of."""
    ops = []
    for op in data["ops"]:
        markup = None
        if op["markup"] is not None:
            fields = dict(op["markup"])
            markup = _MARKUPS[fields.pop("type")].de_json(fields, None)
        place = Location(**op["place"]) if op["place"] is not None else None
        ops.append(Op(op["action"], op["text"], markup, place))
    return Turn(ops, asked=data["asked"], removed=data["removed"])
