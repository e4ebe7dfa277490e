"""Turns a Telegram update into the engine's `Incoming` (private chats only)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from core.messages import Incoming, Kind

CHANNEL = "telegram"


def user_key(user_id: int) -> str:
    return f"{CHANNEL}:{user_id}"


def turn_id(update_id: int) -> str:
    """The id of the turn an update starts (`Incoming.message_id`)."""
    return f"tg:{update_id}"


def chat_id_of(key: str) -> int:
    """The private chat id of a user key "telegram:<id>"; ValueError for any other key."""
    channel, _, ident = key.partition(":")
    if channel != CHANNEL or not ident.lstrip("-").isdigit():
        raise ValueError(f"not a Telegram user key: {key!r}")
    return int(ident)


def _phone(raw: str) -> str:
    """Telegram gives numbers in international form, often without the plus sign."""
    digits = raw.strip().replace(" ", "")
    return digits if digits.startswith("+") else f"+{digits}"


def to_incoming(update: Update) -> Incoming | None:
    """The message a user sent, or None for what the assistant ignores (groups, edits, bots)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot or chat is None or chat.type != ChatType.PRIVATE:
        return None
    key, mid, hint = user_key(user.id), turn_id(update.update_id), user.language_code
    query = update.callback_query
    if query is not None:
        data = query.data or ""
        return Incoming(key, Kind.BUTTON, data=data, message_id=mid, locale_hint=hint)
    msg = update.message
    if msg is None:
        return None
    if msg.contact is not None:
        own = msg.contact.user_id is not None and msg.contact.user_id == user.id
        phone = _phone(msg.contact.phone_number)
        return Incoming(
            key, Kind.CONTACT, phone=phone, phone_is_own=own, message_id=mid, locale_hint=hint
        )
    if msg.location is not None:
        lat, lon = msg.location.latitude, msg.location.longitude
        return Incoming(key, Kind.LOCATION, lat=lat, lon=lon, message_id=mid, locale_hint=hint)
    if msg.text is not None:
        return Incoming(key, Kind.TEXT, text=msg.text, message_id=mid, locale_hint=hint)
    # voice, photo, sticker, document, video...: the assistant cannot read them
    return Incoming(key, Kind.MEDIA, text=msg.caption or "", message_id=mid, locale_hint=hint)
