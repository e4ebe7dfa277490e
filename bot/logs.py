"""Logging for the commands: nothing a citizen typed, no id or phone number, no secret.

Our own lines say what happened (an intent, a length, a masked user key), never what was
written. Libraries that dump data at DEBUG (SQL parameters and result rows, Bot API requests
and answers) are kept above it even with `-v`. And whatever still gets through — another
library's DEBUG line, an exception's text — passes `Redact` on the root handlers on its way out.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Sequence

# Loggers whose DEBUG (or INFO) lines carry data, and the level they are held at.
DATA_LOGGERS = {
    "sqlalchemy.engine": logging.WARNING,  # statements, their parameters, result rows
    "aiosqlite": logging.INFO,  # every call with its arguments
    "telegram": logging.INFO,  # Bot API parameters and answers, webhook bodies
    "httpcore": logging.INFO,
    "hpack": logging.INFO,
}

_NATIONAL_ID = r"(?<!\d)[1-9]\d{2}(?:[ .-]?\d{3}){2}[ .-]?\d{2}(?!\d)"
_PHONE_TR = (
    r"(?<![\d+])(?:(?:\+|00)?90[ .-]?)?\(?0?[ .-]?\(?[2-5]\d{2}\)?[ .-]?\d{3}[ .-]?\d{2}[ .-]?\d{2}"
    r"(?!\d)"
)
_PHONE_E164 = r"\+[1-9](?:[ .()-]{0,2}\d){7,14}(?!\d)"
_LONG_NUMBER = r"(?<!\d)\d{10,15}(?!\d)"  # a WhatsApp id is a phone number without its "+"
_NUMBERS = [
    (re.compile(_PHONE_E164), "<phone>"),
    (re.compile(_NATIONAL_ID), "<id-no>"),
    (re.compile(_PHONE_TR), "<phone>"),
    (re.compile(_LONG_NUMBER), "<number>"),
]
# A quoted value of a field that holds what people wrote or who they are, as the repr of a
# Telegram object or a dict, or JSON, prints it: text='...', "body": "...".
_TEXT_FIELD = re.compile(
    r"""(?P<key>\b(?:text|body|caption|question|reason|first_name|last_name|username|"""
    r"""full_name|name|phone|phone_number|vcard|address)['"]?\s*[:=]\s*)"""
    r"""(?P<q>['"])(?:\\.|(?!(?P=q)).)*(?P=q)""",
    re.DOTALL,
)
# SQLAlchemy: "[generated in 0.0001s] ('...', ...)" and "Row (...)"; and in an error's text.
_SQL_PARAMS = re.compile(r"^(\[[^\]\n]*\]) .*", re.DOTALL)
_SQL_ROW = re.compile(r"^(Row|Col) .*", re.DOTALL)
_ERROR_PARAMS = re.compile(r"\[parameters: .*?\](?=\n|$)", re.DOTALL)
# aiosqlite: "executing functools.partial(<built-in method execute of ...>, 'SQL', (...))".
_CALL_ARGS = re.compile(r"(functools\.partial\(<[^>]*>).*", re.DOTALL)


def scrub(text: str) -> str:
    """`text` with ids, phone numbers and other long numbers masked, and the quoted values of
    text-like fields and SQL parameters replaced."""
    text = _ERROR_PARAMS.sub("[parameters hidden]", text)
    text = _TEXT_FIELD.sub(r"\g<key>\g<q>…\g<q>", text)
    for pattern, mask in _NUMBERS:
        text = pattern.sub(mask, text)
    return text


def _scrub_record(name: str, message: str) -> str:
    if name.startswith("sqlalchemy.engine"):
        message = _SQL_ROW.sub(r"\1 <hidden>", _SQL_PARAMS.sub(r"\1 <parameters hidden>", message))
    elif name.startswith("aiosqlite"):
        message = _CALL_ARGS.sub(r"\1, …)", message)
    return scrub(message)


class Redact(logging.Filter):
    """On a handler: rewrites every record it writes without personal data (`scrub`) and
    without the given secrets (PTB puts the token in some error messages)."""

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - the handler would print the raw arguments instead
            message = f"(unformattable log record: {record.msg!r})"
        # Secrets first: a token starts with a long number the masks below would cut into.
        record.msg, record.args = _scrub_record(record.name, self._clean(message)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(self._clean(record.exc_text))
        if record.stack_info:
            record.stack_info = scrub(self._clean(record.stack_info))
        return True


def setup(verbose: bool) -> None:
    """Logs to stderr (DEBUG with `-v`, else WARNING), every line through `Redact`."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name, level in DATA_LOGGERS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(level, logging.getLogger().level))
    redact = Redact()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
