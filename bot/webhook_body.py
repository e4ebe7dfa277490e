"""Webhook bodies: read with a size limit, parsed as strict JSON, and described without content.

Both channels' webhooks read their body through `read_limited` (a body over the limit is
refused as soon as the limit is passed, before the rest is read) and parse it with
`load_json`, which refuses what would break later: bytes that are not UTF-8, text that is not
JSON, nesting deeper than `MAX_DEPTH` (Python's json raises RecursionError past ~1,000 levels,
which used to end in a 500), and lone UTF-16 surrogates (`"\\udfff"`: valid JSON, but no
database can store it). A signed delivery refused this way is acknowledged 200 by its channel —
a non-2xx answer makes the platform deliver the same bytes again, for days — and only its
`fingerprint` (size and hash, never the content) is kept or logged.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from starlette.requests import Request

MAX_WEBHOOK_BODY = 1_000_000  # Telegram and WhatsApp alike; a real update is a few KB
MAX_DEPTH = 32  # a WhatsApp delivery nests ~10 levels, a Telegram update fewer
_SURROGATE = re.compile("[\ud800-\udfff]")


class Malformed(ValueError):
    """A body that no handling can use; `reason` is a short code for logs and records."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def read_limited(request: Request, limit: int = MAX_WEBHOOK_BODY) -> bytes | None:
    """The raw body, or None as soon as it is known to be longer than `limit` bytes (from its
    Content-Length, or while it streams in); the rest is never read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def load_json(body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The body as JSON; raises Malformed (not_utf8, not_json, too_deep, lone_surrogate)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("not_utf8") from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise Malformed("too_deep") from None
    except ValueError:  # also a number of more than 4,300 digits
        raise Malformed("not_json") from None
    _inspect(doc, max_depth)
    return doc


def _inspect(doc: Any, max_depth: int) -> None:
    """Walks the document without recursion: its depth, and every string and key."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise Malformed("lone_surrogate")
        elif isinstance(value, dict | list):
            if depth > max_depth:
                raise Malformed("too_deep")
            if isinstance(value, dict):
                for key, item in value.items():
                    if _SURROGATE.search(key):
                        raise Malformed("lone_surrogate")
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def fingerprint(body: bytes) -> tuple[str, int]:
    """(sha256 hex, size): what is kept of a refused body instead of its content."""
    return hashlib.sha256(body).hexdigest(), len(body)
