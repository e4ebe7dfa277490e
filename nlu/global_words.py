"""Whole-message words that work everywhere in a conversation: cancel, menu, back, help."""

from __future__ import annotations

from nlu.text import squeeze, tokens

_WORDS: dict[str, str] = {
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
    "main menu": "menu",  # English and Arabic (folded below, as messages are)
    "go back": "back",
    "القائمة": "menu",
    "قائمة": "menu",
    "رجوع": "back",
    "ارجع": "back",
    "الغاء": "cancel",
    "مساعدة": "help",
}
_GLOBAL = {" ".join(tokens(words)): meaning for words, meaning in _WORDS.items()}


def is_global_word(text: str) -> str | None:
    """Returns "cancel", "menu", "back" or "help" when the whole message is that word."""
    words = tokens(text)
    if not words or len(words) > 2:
        return None
    return _GLOBAL.get(" ".join(words)) or _GLOBAL.get(" ".join(squeeze(w) for w in words))
