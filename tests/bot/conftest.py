"""An assistant on a fresh SQLite file with the sample catalog, and a way to talk to it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import Assistant, build_assistant
from bot.messages import Incoming, Kind, Reply
from bot.settings import Settings, load_settings


def make_settings(tmp_path: Path, **env: str) -> Settings:
    """Settings for a test: a database under tmp_path, a fixed data key, nothing else."""
    for key in list(os.environ):
        if key.startswith("MF_"):
            os.environ.pop(key)
    values = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'meslek.db'}",
        "data_key": "test-data-key-0123456789",
        **env,
    }
    return load_settings(**values)


@dataclass
class Chat:
    """One user talking to the assistant; keeps the last replies for the next step."""

    assistant: Assistant
    user: str = "console:test"
    last: list[Reply] = field(default_factory=list)

    async def say(self, text: str) -> list[Reply]:
        self.last = await self.assistant.engine.handle(Incoming(user=self.user, text=text))
        return self.last

    async def press(self, data: str) -> list[Reply]:
        msg = Incoming(user=self.user, kind=Kind.BUTTON, data=data)
        self.last = await self.assistant.engine.handle(msg)
        return self.last

    async def press_label(self, fragment: str) -> list[Reply]:
        """Presses the first offered button whose label contains `fragment`."""
        for reply in self.last:
            for button in reply.buttons:
                if fragment.lower() in button.label.lower():
                    return await self.press(button.data)
        raise AssertionError(f"no button like {fragment!r} in {self.texts()}")

    async def press_first(self, action: str) -> list[Reply]:
        for reply in self.last:
            for button in reply.buttons:
                if button.data.split("|")[0] == action:
                    return await self.press(button.data)
        raise AssertionError(f"no {action} button in {self.texts()}")

    def texts(self) -> str:
        return "\n---\n".join(
            r.text + "".join(f"\n [{b.label}] {b.data}" for b in r.buttons) for r in self.last
        )


@pytest.fixture
async def assistant(tmp_path: Path) -> AsyncIterator[Assistant]:
    a = await build_assistant(make_settings(tmp_path))
    try:
        yield a
    finally:
        await a.close()


@pytest.fixture
def chat(assistant: Assistant) -> Chat:
    return Chat(assistant)
