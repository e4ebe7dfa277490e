"""What tests that start the program as a child process (or serve on a port) share."""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository: the child's PYTHONPATH


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env() -> dict[str, str]:
    """This process's environment without any MF_ setting (the child gets only those the test
    gives it), with the repository on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MF_")}
    env["PYTHONPATH"] = str(ROOT)
    return env
