"""Whole-message words that work everywhere in a conversation: cancel, menu, back, help."""

from __future__ import annotations

from nlu.text import squeeze, tokens

_GLOBAL: dict[str, str] = {
    "iptal": "cancel",
    "iptal et": "cancel",
    "vazgec": "cancel",
    "cancel": "cancel",
    "menu": "menu",
    "ana menu": "menu",
    "anamenu": "menu",
    "geri": "back",
    "geri don": "back",
    "back": "back",
    "yardim": "help",
    "help": "help",
}


def is_global_word(text: str) -> str | None:
    """Returns "cancel", "menu", "back" or "help" when the whole message is that word."""
    words = tokens(text)
    if not words or len(words) > 2:
        return None
    return _GLOBAL.get(" ".join(words)) or _GLOBAL.get(" ".join(squeeze(w) for w in words))
