"""`meslek-bot run` processes behind a test's own round-robin poster: each started with its own
name, ports and log, waited for until healthy, killed with SIGKILL (a crash) or stopped. The
channel tests add what they post and what they read from the shared database."""

from __future__ import annotations

import asyncio
import itertools
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.processes import child_env, free_port


@dataclass
class Instance:
    name: str
    port: int
    process: asyncio.subprocess.Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Processes:
    """The live instances, all with `env` (besides their own id and ports)."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.env = {**child_env(), **env}
        self.live: list[Instance] = []
        self.names = itertools.count(1)

    async def start(self) -> Instance:
        """Starts one more instance and waits until it answers /healthz."""
        name = f"i{next(self.names)}"
        port = free_port()
        env = {
            **self.env,
            "MF_INSTANCE_ID": name,
            "MF_HTTP_PORT": str(port),
            "MF_PANEL_PORT": str(free_port()),
        }
        with (self.tmp / f"{name}.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run",
                cwd=self.tmp, env=env, stdout=log, stderr=log,
            )  # fmt: skip
        instance = Instance(name, port, process)
        async with httpx.AsyncClient(base_url=instance.url, timeout=5) as client:
            for _ in range(600):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.returncode is None, (self.tmp / f"{name}.log").read_text()
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"{name} never became healthy")
        self.live.append(instance)
        return instance

    def kill(self, instance: Instance) -> None:
        instance.process.send_signal(signal.SIGKILL)  # no clean shutdown: a crash
        self.live.remove(instance)

    def kill_all(self) -> None:
        """SIGKILL to every live instance (a test's teardown, whatever happened)."""
        for instance in self.live:
            instance.process.send_signal(signal.SIGKILL)

    async def reap(self) -> None:
        """Waits for every killed instance to exit."""
        for instance in self.live:
            await instance.process.wait()
        self.live = []

    async def deliver(
        self, client: httpx.AsyncClient, turn: int, path: str, tries: int, **request: Any
    ) -> None:
        """Posts to the instances in turn (`turn` picks the first); on to the next while one is
        down or does not answer 200, as Telegram and Meta deliver again what was not taken."""
        for attempt in range(tries):
            instance = self.live[(turn + attempt) % len(self.live)]
            try:
                answer = await client.post(f"{instance.url}{path}", **request)
            except httpx.TransportError:
                await asyncio.sleep(0.05)
                continue
            if answer.status_code == 200:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"no instance took the post to {path}")

    async def stop(self) -> None:
        for instance in self.live:
            instance.process.send_signal(signal.SIGTERM)
        for instance in self.live:
            await asyncio.wait_for(instance.process.wait(), 30)
        self.live = []
