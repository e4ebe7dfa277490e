"""An assistant on a fresh SQLite file with the sample catalog, and a way to talk to it."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import Assistant, build_assistant
from bot.settings import Settings, load_settings
from core.messages import Incoming, Kind, Reply
from tests.processes import free_port


def make_settings(tmp_path: Path, **env: str) -> Settings:
    """Settings for a test: a database under tmp_path, a fixed data key, nothing else."""
    for key in list(os.environ):
        if key.startswith("MF_") and not key.startswith("MF_TEST_"):
            os.environ.pop(key)
    values = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'meslek.db'}",
        "data_key": "test-data-key-0123456789",
        # `meslek-bot run` also serves the staff panel: never on the default port in a test.
        "panel_port": str(free_port()),
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


def build_seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database holding the sample catalog, built once; tests get a copy."""
    folder = tmp_path_factory.mktemp("seed")

    async def build() -> None:
        a = await build_assistant(make_settings(folder))
        async with a.db.write() as conn:
            await conn.exec_driver_sql("SELECT 1")
        await a.close()

    asyncio.run(build())
    db = folder / "data" / "meslek.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db


def copy_seeded(seeded_db: Path, tmp_path: Path) -> None:
    """Puts a copy of the seeded database where make_settings(tmp_path) looks for it."""
    target = tmp_path / "data" / "meslek.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seeded_db, target)
    target.chmod(0o600)  # as the program creates it


@pytest.fixture
async def assistant(tmp_path: Path, seeded_db: Path) -> AsyncIterator[Assistant]:
    copy_seeded(seeded_db, tmp_path)
    a = await build_assistant(make_settings(tmp_path))
    try:
        yield a
    finally:
        await a.close()


@pytest.fixture
def chat(assistant: Assistant) -> Chat:
    return Chat(assistant)
