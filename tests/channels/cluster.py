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

    async def stop(self) -> None:
        for instance in self.live:
            instance.process.send_signal(signal.SIGTERM)
        for instance in self.live:
            await asyncio.wait_for(instance.process.wait(), 30)
        self.live = []
