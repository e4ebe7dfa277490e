"""The console channel: the same conversation in a terminal, for people or for programs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from core.messages import Incoming, Kind, Reply

Handle = Callable[[Incoming], Awaitable[list[Reply]]]


def user_key(name: str | None) -> str:
    """`--user`: a full key stays as it is; a bare name becomes console:<name>."""
    if not name:
        return "console:local"
    return name if ":" in name else f"console:{name}"


def parse_line(line: str, user: str) -> Incoming:
    """One input line as a message: /press DATA, /location LAT LON, /contact PHONE, or text."""
    text = line.rstrip("\r\n")
    stripped = text.strip()
    if stripped.startswith("/press "):
        return Incoming(user=user, kind=Kind.BUTTON, data=stripped[7:].strip())
    if stripped.startswith("/location "):
        parts = stripped.split()
        try:
            lat, lon = float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            return Incoming(user=user, text=stripped)
        return Incoming(user=user, kind=Kind.LOCATION, lat=lat, lon=lon)
    if stripped.startswith("/contact "):
        phone = stripped[9:].strip()
        return Incoming(user=user, kind=Kind.CONTACT, phone=phone, phone_is_own=True)
    return Incoming(user=user, text=text)


def reply_json(reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": reply.text,
        "buttons": [{"label": b.label, "data": b.data} for b in reply.buttons],
    }
    if reply.location is not None:
        loc = reply.location
        out["location"] = {"lat": loc.lat, "lon": loc.lon, "title": loc.title}
    if reply.ask is not None:
        out["ask"] = reply.ask
    return out


def render_text(reply: Reply, first: int = 1) -> str:
    """A reply as a person reads it: text, then numbered options (numbering from `first`)."""
    lines = [reply.text]
    if reply.location is not None:
        loc = reply.location
        lines.append(f"📍 {loc.title}: https://maps.google.com/?q={loc.lat},{loc.lon}")
    for n, button in enumerate(reply.buttons, start=first):
        lines.append(f"  {n}. {button.label}")
    if reply.ask == "location":
        lines.append("  (konum paylaşmak için: /location ENLEM BOYLAM)")
    elif reply.ask == "contact":
        lines.append("  (numaranızı paylaşmak için: /contact 05XX XXX XX XX)")
    return "\n".join(lines)


async def run_console(
    handle: Handle, user: str, *, as_json: bool, stdin: TextIO, stdout: TextIO
) -> int:
    """Reads messages until end of input; answers each (one JSON line each with --json)."""
    interactive = not as_json and stdin.isatty()
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return 0
        replies = await handle(parse_line(line, user))
        if as_json:
            stdout.write(
                json.dumps({"replies": [reply_json(r) for r in replies]}, ensure_ascii=False)
            )
            stdout.write("\n")
        else:
            first = 1  # one numbering per turn, as the engine reads a typed number
            for reply in replies:
                stdout.write(render_text(reply, first) + "\n\n")
                first += len(reply.buttons)
        stdout.flush()
