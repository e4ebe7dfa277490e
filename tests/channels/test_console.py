"""The console as a `core.channel.Channel`: answers and pushes on its output."""

from __future__ import annotations

import asyncio
import io
import json

from bot.channels.capabilities import CONSOLE
from bot.channels.console import ConsoleChannel
from core.channel import Channel
from core.messages import Button, Incoming, Reply


async def _echo(msg: Incoming) -> list[Reply]:
    return [Reply(f"Yazdınız: {msg.text}", buttons=(Button("Evet", "y"), Button("Hayır", "n")))]


async def test_the_console_answers_and_shows_its_users_pushes() -> None:
    out = io.StringIO()
    channel: Channel = ConsoleChannel(
        _echo, "console:ayse", as_json=False, stdin=io.StringIO("merhaba\n"), stdout=out
    )
    assert (channel.name, channel.capabilities) == ("console", CONSOLE)
    assert await channel.push("console:ayse", [Reply("Yarın dersiniz var.")], "reminder") == "sent"
    assert await channel.push("console:bora", [Reply("Duyuru")], "announcement") == (
        "skipped_other_user"
    )
    await channel.start()
    for _ in range(200):
        if "merhaba" in out.getvalue():
            break
        await asyncio.sleep(0.01)
    await channel.stop()
    assert out.getvalue() == ("Yarın dersiniz var.\n\nYazdınız: merhaba\n  1. Evet\n  2. Hayır\n\n")


async def test_json_pushes_say_their_kind() -> None:
    out = io.StringIO()
    channel = ConsoleChannel(_echo, "console:ayse", as_json=True, stdin=io.StringIO(""), stdout=out)
    await channel.push("console:ayse", [Reply("Yarın dersiniz var.")], "reminder")
    assert await channel.run() == 0  # end of input
    (line,) = out.getvalue().splitlines()
    assert json.loads(line) == {
        "replies": [{"text": "Yarın dersiniz var.", "buttons": []}],
        "push": "reminder",
    }
