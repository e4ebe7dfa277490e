"""Every sentence the assistant says, per language, in gettext .po files keyed by message id.

Each journey keeps its own catalog file, `locales/<lang>/<journey>.po`; translators open them
with any .po editor. Message ids are keys ("apply.ask_name"), message strings use `{name}`
placeholders. A sentence whose words change with a number is a gettext plural entry
(`msgid_plural` repeats the key, one `msgstr[i]` per form of the language's `Plural-Forms`),
and the number is the first of `PLURAL_VALUES` passed. In a right-to-left language every
placeholder value holding Latin letters or digits (a Turkish course name, a date, a phone) is
wrapped in Unicode first-strong isolates (U+2068 … U+2069), so it reads whole inside the
Arabic sentence and does not drag the punctuation around it.
"""

from __future__ import annotations

import gettext
import logging
import re
from collections.abc import Callable
from functools import cache
from importlib import resources

from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "tr"
RIGHT_TO_LEFT = frozenset({"ar"})
PLURAL_VALUES = ("count", "n", "seats", "limit")
FSI, PDI = "\u2068", "\u2069"
_NEEDS_ISOLATE = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
_LTR = "A-Za-z0-9\u00c0-\u024f"
# A left-to-right run inside Arabic text: "Buca", "18.30", "Vergi Beyannamesi Hazırlama".
_LTR_RUN = re.compile(rf"[{_LTR}](?:[{_LTR} .:'’\-–/·]*[{_LTR}])?")  # brackets stay outside

Message = str | tuple[str, ...]  # one text, or one per plural form


def isolate(value: str) -> str:
    """`value` inside first-strong isolates when it holds left-to-right text or digits; in a
    value that is partly Arabic ("الثلاثاء 8 ديسمبر، 18.30") each left-to-right run alone."""
    if "\n" in value or not _NEEDS_ISOLATE.search(value) or FSI in value:
        return value
    if _ARABIC_LETTER.search(value):
        return _LTR_RUN.sub(lambda m: f"{FSI}{m.group()}{PDI}", value)
    return f"{FSI}{value}{PDI}"


class Translator:
    """Looks up message keys in one language, falling back to the default language."""

    def __init__(
        self, messages: dict[str, dict[str, Message]], default: str = DEFAULT_LOCALE
    ) -> None:
        self._messages = messages
        self._default = default
        self._plural: dict[str, Callable[[int], int]] = {
            lang: gettext.c2py(get_plural(lang).plural_expr) for lang in messages
        }

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(self._messages))

    def keys(self, locale: str) -> frozenset[str]:
        return frozenset(self._messages.get(locale, {}))

    def has(self, key: str, locale: str | None = None) -> bool:
        return key in self._messages.get(locale or self._default, {})

    def forms(self, key: str, locale: str) -> tuple[str, ...]:
        """Every form of a message (one, or one per plural form); () when it is missing."""
        found = self._messages.get(locale, {}).get(key)
        if found is None:
            return ()
        return found if isinstance(found, tuple) else (found,)

    def __call__(self, key: str, locale: str | None = None, /, **values: object) -> str:
        lang = locale if locale in self._messages else self._default
        found = self._messages[lang].get(key)
        if found is None:
            lang = self._default
            found = self._messages[lang].get(key)
        if found is None:
            log.error("missing message key %s", key)
            return key
        text = self._choose(found, lang, values) if isinstance(found, tuple) else found
        if not values:
            return text
        if lang in RIGHT_TO_LEFT:
            values = {k: isolate(v) if isinstance(v, str) else v for k, v in values.items()}
        return text.format(**values)

    def _choose(self, forms: tuple[str, ...], lang: str, values: dict[str, object]) -> str:
        count = next((values[k] for k in PLURAL_VALUES if isinstance(values.get(k), int)), 0)
        index = self._plural[lang](int(count))  # type: ignore[call-overload]
        return forms[min(index, len(forms) - 1)]


def _load_language(lang: str) -> dict[str, Message]:
    out: dict[str, Message] = {}
    folder = resources.files(__package__).joinpath(lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple | list) else message.id
            if not key or not isinstance(key, str):
                continue
            if key in out:
                raise ValueError(f"{lang}/{entry.name}: duplicate key {key}")
            string = message.string
            out[key] = (
                tuple(str(s) for s in string) if isinstance(string, tuple | list) else str(string)
            )
    return out


@cache
def load_translator(default: str = DEFAULT_LOCALE) -> Translator:
    """Reads every locales/<lang>/*.po file once."""
    root = resources.files(__package__)
    langs = [e.name for e in root.iterdir() if e.is_dir() and not e.name.startswith("_")]
    return Translator({lang: _load_language(lang) for lang in langs}, default)
