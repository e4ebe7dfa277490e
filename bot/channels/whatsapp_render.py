"""Replies out to WhatsApp: text, reply buttons, lists and locations within the platform's limits.

Limits (Cloud API docs): text ≤ 4,096 characters; interactive body ≤ 1,024; ≤ 3 reply
buttons with titles ≤ 20; a list has ≤ 10 rows in all, row titles ≤ 24, descriptions ≤ 72
and a button text ≤ 20. Longer option sets are paged: 9 rows plus a "more" row the channel
answers itself with the next page (the buttons are kept by `storage.wa_pages`, so any
instance can).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from core.messages import Button, Reply
from storage.wa_pages import Pages

TEXT_LIMIT = 4096
TEXT_CHUNK = 4000  # split below the limit, leaving room for nothing to go wrong
BODY_LIMIT = 1024
BUTTON_TITLE = 20
ROW_TITLE = 24
ROW_DESCRIPTION = 72
LIST_BUTTON = 20
MAX_BUTTONS = 3
MAX_ROWS = 10
MORE_ACTION = "wamore"
TEMPLATE_PARAM = 900  # one body parameter; the template's own words share the 1,024 limit

Message = dict[str, Any]


class Say(Protocol):
    """A message key (and its placeholders) → the sentence, in the user's language."""

    def __call__(self, key: str, /, **values: object) -> str: ...


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters on a word boundary, with "…" only when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–") + "…"


def split_text(text: str, limit: int = TEXT_CHUNK) -> list[str]:
    """Splits a long text into messages below the limit: at paragraphs, lines, then words."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def text_messages(text: str) -> list[Message]:
    return [{"type": "text", "text": {"body": p, "preview_url": False}} for p in split_text(text)]


def more_request(data: str) -> tuple[str, int] | None:
    """(token, offset) when a list row is our own "more" row, else None."""
    action, _, rest = data.partition("|")
    if action != MORE_ACTION:
        return None
    token, _, offset = rest.partition("|")
    return (token, int(offset)) if offset.isdigit() else None


class Renderer:
    """Turns the engine's replies into Cloud API message objects."""

    def __init__(self, say: Say) -> None:
        self.say = say

    def render(self, replies: Sequence[Reply], pages: Pages) -> list[Message]:
        """The messages; the buttons of each list longer than one page are added to `pages`
        by the token its "more" row carries (to be kept, so "more" can show the next page)."""
        out: list[Message] = []
        for reply in replies:
            out.extend(self.render_one(reply, pages))
        return out

    def render_one(self, reply: Reply, pages: Pages) -> list[Message]:
        out: list[Message] = []
        buttons = _unique(reply.buttons)
        if buttons:
            out.extend(self._with_options(reply.text, buttons, pages))
        elif reply.ask == "location":
            out.extend(self._body_first(reply.text, _location_request))
        elif reply.text.strip():
            out.extend(text_messages(reply.text))
        if buttons and reply.ask == "location":
            out.append(_location_request(self.say("whatsapp.share_location")))
        if reply.location is not None:
            loc = reply.location
            place: dict[str, Any] = {"latitude": loc.lat, "longitude": loc.lon, "name": loc.title}
            if loc.address:
                place["address"] = loc.address
            out.append({"type": "location", "location": place})
        # ask="contact" has no WhatsApp form: the sender's own number is offered as a button.
        return out

    def page(self, buttons: tuple[Button, ...] | None, token: str, offset: int) -> list[Message]:
        """The page at `offset` of the list `token` (its kept `buttons`), or a polite note
        when the list is gone (None: unknown, or not paged for too long)."""
        if buttons is None or not 0 < offset < len(buttons):
            return text_messages(self.say("whatsapp.more_stale"))
        return [_list(self.say("whatsapp.more_body"), self._rows(buttons, offset, token), self.say)]

    def _with_options(self, text: str, buttons: tuple[Button, ...], pages: Pages) -> list[Message]:
        if len(buttons) <= MAX_BUTTONS:
            titles = [shorten(b.label, BUTTON_TITLE) for b in buttons]
            if len(set(titles)) == len(titles):
                action = {
                    "buttons": [
                        {"type": "reply", "reply": {"id": b.data, "title": t}}
                        for b, t in zip(buttons, titles, strict=True)
                    ]
                }
                return self._body_first(text, lambda body: _interactive("button", body, action))
        token = ""
        if len(buttons) > MAX_ROWS:
            token = secrets.token_hex(4)
            pages[token] = buttons
        rows = self._rows(buttons, 0, token)
        return self._body_first(text, lambda body: _list(body, rows, self.say))

    def _rows(self, buttons: tuple[Button, ...], offset: int, token: str) -> list[Message]:
        rest = buttons[offset:]
        if len(rest) <= MAX_ROWS:
            return [_row(b) for b in rest]
        nxt = offset + MAX_ROWS - 1
        more = Button(self.say("whatsapp.more"), f"{MORE_ACTION}|{token}|{nxt}")
        rows = [_row(b) for b in rest[: MAX_ROWS - 1]]
        rows.append(
            {
                **_row(more),
                "description": shorten(
                    self.say("whatsapp.more_description", count=len(buttons) - nxt),
                    ROW_DESCRIPTION,
                ),
            }
        )
        return rows

    def _body_first(self, text: str, build: Callable[[str], Message]) -> list[Message]:
        """An interactive message with `text` as its body, or the text first when too long."""
        text = text.strip()
        if 0 < len(text) <= BODY_LIMIT:
            return [build(text)]
        return [*text_messages(text), build(self.say("whatsapp.choose"))]


def _unique(buttons: tuple[Button, ...]) -> tuple[Button, ...]:
    """Buttons with distinct payloads (WhatsApp refuses repeated ids); the first one wins."""
    seen: set[str] = set()
    out: list[Button] = []
    for b in buttons:
        if b.data and b.data not in seen:
            seen.add(b.data)
            out.append(b)
    return tuple(out)


def _row(button: Button) -> Message:
    label = " ".join(button.label.split())
    row: Message = {"id": button.data, "title": shorten(label, ROW_TITLE)}
    if len(label) > ROW_TITLE:
        row["description"] = shorten(label, ROW_DESCRIPTION)
    return row


def _interactive(kind: str, body: str, action: dict[str, Any]) -> Message:
    return {
        "type": "interactive",
        "interactive": {"type": kind, "body": {"text": body}, "action": action},
    }


def _list(body: str, rows: list[Message], say: Say) -> Message:
    action = {
        "button": shorten(say("whatsapp.list_button"), LIST_BUTTON),
        "sections": [{"rows": rows}],
    }
    return _interactive("list", body, action)


def _location_request(body: str) -> Message:
    return _interactive("location_request_message", body, {"name": "send_location"})


def template_message(template: tuple[str, str], replies: Sequence[Reply]) -> Message:
    """An approved template with the replies' text as its one body parameter."""
    name, language = template
    # Template parameters may not hold line breaks, tabs or runs of spaces.
    text = shorten(" ".join(" ".join(r.text for r in replies).split()), TEMPLATE_PARAM)
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}],
        },
    }
