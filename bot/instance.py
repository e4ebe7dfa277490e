"""This process's name in leases, when several instances share one PostgreSQL."""

from __future__ import annotations

import os
import secrets
import socket


def instance_name(configured: str = "") -> str:
    """MF_INSTANCE_ID, else host, process id and a random part: a restarted process is a new
    owner, so it takes its old work over only once the old leases run out, like anyone's."""
    return configured or f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(4)}"
