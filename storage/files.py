"""Files that may hold personal data are created readable by their owner alone (0600)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

PRIVATE = 0o600


def create_private(path: Path) -> None:
    """Creates an empty file with mode 0600 (and its folder, 0700, when missing). An existing
    file keeps its mode (the operator's choice), with a warning when anyone may read it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & stat.S_IROTH:
            log.warning(
                "%s can be read by every user of this machine (mode %o); `chmod 600 %s*` "
                "keeps it to its owner",
                path,
                mode,
                path,
            )


def open_private(path: Path) -> IO[bytes]:
    """Opens `path` for writing from scratch, mode 0600 (also when it existed with another)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def write_private(path: Path, data: bytes) -> None:
    """Writes `data` to `path`, mode 0600."""
    with open_private(path) as out:
        out.write(data)
