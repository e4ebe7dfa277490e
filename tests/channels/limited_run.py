"""`meslek-bot run` with the HTTP limits given as JSON in MF_TEST_HTTP_LIMITS: for the tests that
watch the server from outside its process (its memory, its open-file limit)."""

from __future__ import annotations

import json
import logging
import os

from bot import http_limits
from bot.cli import main

if __name__ == "__main__":
    given = json.loads(os.environ.get("MF_TEST_HTTP_LIMITS", "{}"))
    http_limits.LIMITS = http_limits.HttpLimits(**given)
    logging.getLogger("bot.http_limits").setLevel(logging.INFO)  # the open-file limit line
    raise SystemExit(main(["run"]))
