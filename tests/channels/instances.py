"""Several `meslek-bot run` processes on one PostgreSQL, as separate instances would run: each a
child process with its own ports and its own log, started, watched and killed from a test."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.processes import child_env, free_port

STARTED = "running: "


class Instance:
    """One `meslek-bot -v run` child process; its log (stderr) goes to a file."""

    def __init__(self, name: str, folder: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log_path = folder / f"{name}.log"
        folder.mkdir(parents=True, exist_ok=True)
        clean = child_env()
        self._env = {
            **clean,
            **env,
            "MF_HTTP_PORT": str(free_port()),
            "MF_PANEL_PORT": str(free_port()),
        }
        self._folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: ASYNC220 - started once, never waited on here
                [sys.executable, "-m", "bot.cli", "-v", "run"],
                cwd=self._folder,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def port(self) -> int:
        """Its web server's port (the webhooks)."""
        return int(self._env["MF_HTTP_PORT"])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def count(self, text: str) -> int:
        return self.log().count(text)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """`kill -9`: no clean-up, the database sees its connections drop."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 30 s; the exit code (None when it had to be killed)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            return None


async def wait_for_log(instance: Instance, text: str, within: float = 90.0) -> None:
    """Waits until the instance's log holds `text`; fails with its log when it died first."""
    deadline = time.monotonic() + within
    while text not in instance.log():
        if not instance.alive:
            raise AssertionError(f"{instance.name} exited:\n{instance.log()[-4000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{instance.name}: no {text!r} in {within} s:\n{instance.log()[-4000:]}"
            )
        await asyncio.sleep(0.2)


@contextmanager
def instances(folder: Path, env: dict[str, str], count: int) -> Iterator[list[Instance]]:
    """`count` instances (not started yet), all stopped when the block ends."""
    made = [Instance(f"instance-{n}", folder / f"instance-{n}", env) for n in range(count)]
    try:
        yield made
    finally:
        for instance in made:
            instance.stop()


def busiest_second(times: Sequence[float]) -> int:
    """The most requests that arrived in any 1-second window (inclusive, as the double counts)."""
    ordered = sorted(times)
    most, j = 0, 0
    for i, start in enumerate(ordered):
        j = max(j, i)
        while j + 1 < len(ordered) and ordered[j + 1] <= start + 1.0:
            j += 1
        most = max(most, j - i + 1)
    return most
