"""Every sentence the assistant says, per language, in gettext .po files keyed by message id.

Each journey keeps its own catalog file, `locales/<lang>/<journey>.po`; translators open them
with any .po editor. Message ids are keys ("apply.ask_name"), message strings use `{name}`
placeholders.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "tr"


class Translator:
    """Looks up message keys in one language, falling back to the default language."""

    def __init__(self, messages: dict[str, dict[str, str]], default: str = DEFAULT_LOCALE) -> None:
        self._messages = messages
        self._default = default

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(self._messages))

    def keys(self, locale: str) -> frozenset[str]:
        return frozenset(self._messages.get(locale, {}))

    def has(self, key: str, locale: str | None = None) -> bool:
        return key in self._messages.get(locale or self._default, {})

    def __call__(self, key: str, locale: str | None = None, /, **values: object) -> str:
        table = self._messages.get(locale or self._default) or self._messages[self._default]
        text = table.get(key) or self._messages[self._default].get(key)
        if text is None:
            log.error("missing message key %s", key)
            return key
        return text.format(**values) if values else text


def _load_language(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    folder = resources.files(__package__).joinpath(lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if message.id and isinstance(message.id, str) and isinstance(message.string, str):
                if message.id in out:
                    raise ValueError(f"{lang}/{entry.name}: duplicate key {message.id}")
                out[message.id] = message.string
    return out


@cache
def load_translator(default: str = DEFAULT_LOCALE) -> Translator:
    """Reads every locales/<lang>/*.po file once."""
    root = resources.files(__package__)
    langs = [e.name for e in root.iterdir() if e.is_dir() and not e.name.startswith("_")]
    return Translator({lang: _load_language(lang) for lang in langs}, default)
