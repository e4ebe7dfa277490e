"""The console channel: the same conversation in a terminal, for people or for programs."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TextIO

from bot.channels.capabilities import CONSOLE
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


class ConsoleChannel:
    """The console as a channel: lines from `stdin` are one user's messages, answers and pushes
    go to `stdout` (numbered options, or one JSON object per line with --json)."""

    name = "console"
    capabilities = CONSOLE

    def __init__(
        self, handle: Handle, user: str, *, as_json: bool, stdin: TextIO, stdout: TextIO
    ) -> None:
        self._handle = handle
        self.user = user
        self._as_json = as_json
        self._stdin = stdin
        self._stdout = stdout
        self._reading: asyncio.Task[int] | None = None

    async def start(self) -> None:
        """Starts reading lines in the background."""
        self._reading = asyncio.create_task(self.run())

    async def stop(self) -> None:
        """Stops reading; the turn in flight, if any, is given up."""
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading

    async def push(self, user_key: str, replies: Sequence[Reply], kind: str) -> str:
        """Shows a push to the person at this console; one for anyone else is skipped."""
        if user_key != self.user:
            return "skipped_other_user"
        self._show(replies, kind)
        return "sent"

    async def run(self) -> int:
        """Reads messages until end of input; answers each."""
        interactive = not self._as_json and self._stdin.isatty()
        while True:
            if interactive:
                self._stdout.write("> ")
                self._stdout.flush()
            line = await asyncio.to_thread(self._stdin.readline)
            if not line:
                return 0
            self._show(await self._handle(parse_line(line, self.user)))

    def _show(self, replies: Sequence[Reply], push: str | None = None) -> None:
        out = self._stdout
        if self._as_json:
            doc: dict[str, Any] = {"replies": [reply_json(r) for r in replies]}
            if push is not None:
                doc["push"] = push
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        else:
            first = 1  # one numbering per turn, as the engine reads a typed number
            for reply in replies:
                out.write(render_text(reply, first) + "\n\n")
                first += len(reply.buttons)
        out.flush()


async def run_console(
    handle: Handle, user: str, *, as_json: bool, stdin: TextIO, stdout: TextIO
) -> int:
    """Reads messages until end of input; answers each (one JSON line each with --json)."""
    return await ConsoleChannel(handle, user, as_json=as_json, stdin=stdin, stdout=stdout).run()
