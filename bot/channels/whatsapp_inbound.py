"""WhatsApp webhooks in: signature check, delivery parsing, and messages turned into Incoming."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
from datetime import UTC, datetime
from typing import Any

from bot.webhook_body import Malformed
from core.messages import Incoming, Kind, Payload
from storage.whatsapp_repo import Delivery, InboundRow, StatusUpdate

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "x-hub-signature-256"
MEDIA_TYPES = frozenset(
    {"audio", "voice", "image", "document", "video", "sticker", "unsupported", "unknown"}
)
# Nothing to answer: a thumbs-up, a number-change notice, an order from a catalogue we lack.
IGNORED_TYPES = frozenset({"reaction", "system", "ephemeral", "order", "edit", "revoke"})
STOP_WORDS = frozenset({"dur", "stop"})
MAX_WAMID = 200  # wa_inbound.wamid, wa_sent.wamid
MAX_SENDER = 160 - len(CHANNEL) - 1  # users.key, wa_inbound.user_key: "whatsapp:<id>"
INT32 = 2**31
_CONTROL = re.compile("[\x00-\x1f\x7f]")
START_WORDS = frozenset({"başla", "basla", "start"})


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    """True when `X-Hub-Signature-256` is `sha256=` + HMAC-SHA256(body, app secret)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[7:].strip().lower())


def sign(secret: bytes, body: bytes) -> str:
    """The header value Meta would send for `body` (for tests and benchmarks)."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def parse_delivery(doc: Any, phone_number_id: str, now: datetime) -> Delivery:
    """Picks our messages and statuses out of a webhook body; ignores what is not for us.

    Raises Malformed("shape") when a part we read has the wrong type (a list that is not a
    list of objects, an id that is not a short plain string or number…): such a delivery is
    refused whole, so that nothing of it half-reaches the database or the engine.
    """
    messages: list[InboundRow] = []
    statuses: list[StatusUpdate] = []
    if not isinstance(doc, dict):
        raise Malformed("shape")
    if doc.get("object") != "whatsapp_business_account":
        return Delivery(messages, statuses)
    for entry in _objects(doc.get("entry")):
        for change in _objects(entry.get("changes")):
            if change.get("field", "messages") != "messages":
                continue
            value = _object(change.get("value"))
            meta = _object(value.get("metadata"))
            if str(meta.get("phone_number_id", phone_number_id)) != phone_number_id:
                log.warning("delivery for another phone number id ignored")
                continue
            contacts = _objects(value.get("contacts"))
            for msg in _objects(value.get("messages")):
                row = _inbound_row(msg, contacts, now)
                if row is not None:
                    messages.append(row)
            for status in _objects(value.get("statuses")):
                update = _status(status)
                if update is not None:
                    statuses.append(update)
    return Delivery(messages, statuses)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _object(value: Any) -> dict[str, Any]:
    """An object of the delivery (absent: empty); anything else is Malformed."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Malformed("shape")
    return value


def _objects(value: Any) -> list[dict[str, Any]]:
    """A list of objects of the delivery (absent: empty); anything else is Malformed."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Malformed("shape")
    return value


def _ident(value: Any, limit: int) -> str:
    """An id as text ("" when absent); Malformed unless a plain string or number that fits."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Malformed("shape")
    text = str(value)
    if len(text) > limit or _CONTROL.search(text):
        raise Malformed("shape")
    return text


def _sender(msg: dict[str, Any], contacts: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The sender's id (phone number, else business-scoped user id) and their contact entry."""
    ident = _ident(msg.get("from"), MAX_SENDER)
    user_id = _ident(msg.get("from_user_id"), MAX_SENDER)
    for contact in contacts:
        if (ident and contact.get("wa_id") == ident) or (
            user_id and contact.get("user_id") == user_id
        ):
            return ident or user_id, contact
    if not ident and not user_id and len(contacts) == 1:
        contact = contacts[0]
        return _ident(contact.get("wa_id") or contact.get("user_id"), MAX_SENDER), contact
    return ident or user_id, {}


def _inbound_row(
    msg: dict[str, Any], contacts: list[dict[str, Any]], now: datetime
) -> InboundRow | None:
    wamid = _ident(msg.get("id"), MAX_WAMID)
    if not wamid:
        return None
    sender, contact = _sender(msg, contacts)
    if not sender:
        log.warning("message without a sender ignored")
        return None
    payload = json.dumps({"message": msg, "contact": contact}, ensure_ascii=False)
    return InboundRow(wamid, f"{CHANNEL}:{sender}", payload, now)


def _status(status: dict[str, Any]) -> StatusUpdate | None:
    wamid = _ident(status.get("id"), MAX_WAMID)
    state = status.get("status")
    if not wamid or not state:
        return None
    if not isinstance(state, str):
        raise Malformed("shape")
    recipient = _ident(status.get("recipient_id"), MAX_SENDER) or _ident(
        status.get("recipient_user_id"), MAX_SENDER
    )
    code: int | None = None
    title = ""
    errors = _objects(status.get("errors"))
    if errors:
        code = as_int(errors[0].get("code"))
        title = str(errors[0].get("title") or errors[0].get("message") or "")
    return StatusUpdate(
        wamid, f"{CHANNEL}:{recipient}", state[:20], code, _CONTROL.sub(" ", title)[:300]
    )


def as_int(value: object) -> int | None:
    """An error code as a number (one a 32-bit column holds), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 10:
        value = int(value)
    if isinstance(value, int) and -INT32 <= value < INT32:
        return value
    return None


def opt_keyword(text: str) -> bool | None:
    """DUR/STOP → True (pushes off), BAŞLA/BASLA/START → False, anything else → None."""
    word = text.strip().strip(".!").strip().replace("I", "ı").replace("İ", "i").lower()
    if word in STOP_WORDS:
        return True
    if word in START_WORDS:
        return False
    return None


def to_incoming(row: InboundRow) -> Incoming | None:
    """The stored message as the engine's Incoming; None for things that need no answer."""
    doc = _dict(json.loads(row.payload))
    msg = _dict(doc.get("message"))
    contact = _dict(doc.get("contact"))
    kind = str(msg.get("type") or "")
    base: dict[str, Any] = {
        "user": row.user_key,
        "message_id": row.wamid,
        "received_at": _timestamp(msg.get("timestamp"), row.received_at),
    }
    if kind == "text":
        return Incoming(text=str(_dict(msg.get("text")).get("body") or ""), **base)
    if kind == "interactive":
        inter = _dict(msg.get("interactive"))
        reply = inter.get("button_reply") or inter.get("list_reply")
        if isinstance(reply, dict) and reply.get("id"):
            return Incoming(kind=Kind.BUTTON, data=str(reply["id"]), **base)
        return Incoming(kind=Kind.MEDIA, **base)
    if kind == "button":  # a quick-reply button of a template message
        button = _dict(msg.get("button"))
        data = str(button.get("payload") or "")
        if data and Payload.decode(data) is not None:
            return Incoming(kind=Kind.BUTTON, data=data, **base)
        return Incoming(text=str(button.get("text") or ""), **base)
    if kind == "location":
        loc = _dict(msg.get("location"))
        try:
            lat, lon = float(loc["latitude"]), float(loc["longitude"])
        except (KeyError, TypeError, ValueError, OverflowError):
            return Incoming(kind=Kind.MEDIA, **base)
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return Incoming(kind=Kind.MEDIA, **base)
        return Incoming(kind=Kind.LOCATION, lat=lat, lon=lon, **base)
    if kind == "contacts":
        return _contact(msg, contact, base)
    if kind == "request_welcome":  # the user opened the chat for the first time
        return Incoming(text="merhaba", **base)
    if kind in IGNORED_TYPES:
        return None
    return Incoming(kind=Kind.MEDIA, **base)  # media and anything unknown: answered kindly


def _contact(msg: dict[str, Any], sender: dict[str, Any], base: dict[str, Any]) -> Incoming:
    """A shared contact card counts as the user's own number only if its wa_id is theirs."""
    own_ids = {str(x) for x in (msg.get("from"), sender.get("wa_id")) if x}
    phones: list[dict[str, Any]] = []
    for card in _list(msg.get("contacts")):
        if isinstance(card, dict):
            phones.extend(p for p in _list(card.get("phones")) if isinstance(p, dict))
    for phone in phones:
        if phone.get("wa_id") and str(phone["wa_id"]) in own_ids:
            return Incoming(
                kind=Kind.CONTACT, phone="+" + str(phone["wa_id"]), phone_is_own=True, **base
            )
    first = next((str(p.get("phone")) for p in phones if p.get("phone")), None)
    return Incoming(kind=Kind.CONTACT, phone=first, phone_is_own=False, **base)


def _timestamp(value: Any, default: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return default
