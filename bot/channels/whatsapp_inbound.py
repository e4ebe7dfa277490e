"""WhatsApp webhooks in: signature check, delivery parsing, and messages turned into Incoming."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

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
    """Picks our messages and statuses out of a webhook body; ignores everything else."""
    messages: list[InboundRow] = []
    statuses: list[StatusUpdate] = []
    if not isinstance(doc, dict) or doc.get("object") != "whatsapp_business_account":
        return Delivery(messages, statuses)
    for entry in _list(doc.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            if not isinstance(change, dict) or change.get("field", "messages") != "messages":
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            meta = value.get("metadata") or {}
            if str(meta.get("phone_number_id", phone_number_id)) != phone_number_id:
                log.warning("delivery for another phone number id ignored")
                continue
            contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
            for msg in _list(value.get("messages")):
                row = _inbound_row(msg, contacts, now)
                if row is not None:
                    messages.append(row)
            for status in _list(value.get("statuses")):
                update = _status(status)
                if update is not None:
                    statuses.append(update)
    return Delivery(messages, statuses)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _sender(msg: dict[str, Any], contacts: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The sender's id (phone number, else business-scoped user id) and their contact entry."""
    ident = str(msg.get("from") or "")
    user_id = str(msg.get("from_user_id") or "")
    for contact in contacts:
        if (ident and contact.get("wa_id") == ident) or (
            user_id and contact.get("user_id") == user_id
        ):
            return ident or user_id, contact
    if not ident and not user_id and len(contacts) == 1:
        contact = contacts[0]
        return str(contact.get("wa_id") or contact.get("user_id") or ""), contact
    return ident or user_id, {}


def _inbound_row(msg: Any, contacts: list[dict[str, Any]], now: datetime) -> InboundRow | None:
    if not isinstance(msg, dict) or not msg.get("id"):
        return None
    sender, contact = _sender(msg, contacts)
    if not sender:
        log.warning("message without a sender ignored")
        return None
    payload = json.dumps({"message": msg, "contact": contact}, ensure_ascii=False)
    return InboundRow(str(msg["id"]), f"{CHANNEL}:{sender}", payload, now)


def _status(status: Any) -> StatusUpdate | None:
    if not isinstance(status, dict) or not status.get("id") or not status.get("status"):
        return None
    recipient = status.get("recipient_id") or status.get("recipient_user_id") or ""
    code: int | None = None
    title = ""
    errors = _list(status.get("errors"))
    if errors and isinstance(errors[0], dict):
        code = as_int(errors[0].get("code"))
        title = str(errors[0].get("title") or errors[0].get("message") or "")
    return StatusUpdate(
        str(status["id"]), f"{CHANNEL}:{recipient}", str(status["status"]), code, title
    )


def as_int(value: object) -> int | None:
    """An error code as a number, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
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
    doc = json.loads(row.payload)
    msg: dict[str, Any] = doc.get("message") or {}
    contact: dict[str, Any] = doc.get("contact") or {}
    kind = str(msg.get("type") or "")
    base: dict[str, Any] = {
        "user": row.user_key,
        "message_id": row.wamid,
        "received_at": _timestamp(msg.get("timestamp"), row.received_at),
    }
    if kind == "text":
        return Incoming(text=str((msg.get("text") or {}).get("body") or ""), **base)
    if kind == "interactive":
        inter = msg.get("interactive") or {}
        reply = inter.get("button_reply") or inter.get("list_reply")
        if isinstance(reply, dict) and reply.get("id"):
            return Incoming(kind=Kind.BUTTON, data=str(reply["id"]), **base)
        return Incoming(kind=Kind.MEDIA, **base)
    if kind == "button":  # a quick-reply button of a template message
        button = msg.get("button") or {}
        data = str(button.get("payload") or "")
        if data and Payload.decode(data) is not None:
            return Incoming(kind=Kind.BUTTON, data=data, **base)
        return Incoming(text=str(button.get("text") or ""), **base)
    if kind == "location":
        loc = msg.get("location") or {}
        try:
            lat, lon = float(loc["latitude"]), float(loc["longitude"])
        except (KeyError, TypeError, ValueError):
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


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The raw body, or None when it is longer than `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
