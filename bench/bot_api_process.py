"""The Bot API double (tests/doubles/telegram_api.py) in its own process, for the benches.

Telegram is another machine: the bot's event loop and CPU must not shape when requests reach
it, so the benches run the double as `python -m tests.doubles.telegram_api --port N` and drive
it through its control endpoints (/_double/...).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DoubleProcess:
    """Starts the double; `client` talks to its control endpoints."""

    def __init__(self) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "tests.doubles.telegram_api", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=60)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def ready(self) -> None:
        for _ in range(500):
            try:
                await self.client.get("/_double/calls?since=0")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.02)
        raise RuntimeError("the double did not start")

    async def config(self, **values: Any) -> None:
        (await self.client.post("/_double/config", json=values)).raise_for_status()

    async def close(self) -> None:
        await self.client.aclose()
        self.proc.terminate()
        self.proc.wait(10)
