"""English and Arabic understood through Turkish: a message is rewritten word by word into the
Turkish words the understanding knows, then understood as Turkish (offline, no model).

Three sources, longest phrase first: the catalog's translated names (`name_en`, `name_ar` of
branches, fields and centres, each standing for its Turkish name), the phrase lists of
`nlu/foreign_words.py` (what people ask: "how much", "كم سعر"), and words that occur in only
one translated branch name ("beekeeping"). Words the lists do not know are kept when they are
Latin (a Turkish course name typed in an English or Arabic message: "pastacilik") and
dropped when they are Arabic. Arabic is compared without diacritics, tatweel, hamza forms or
the article (ال), so "الحِلاقة" and "حلاقه" are one word; Arabic-Indic digits become 0-9.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from itertools import product

from core.catalog import Branch, Catalog, Center, Field
from core.checks import ascii_digits
from nlu.foreign_words import RAW

Glossary = dict[tuple[str, ...], str]  # a phrase's words -> the Turkish words it stands for

MAX_PHRASE = 5
_WORD = re.compile(r"[^\W_]+")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_MARKS = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, dagger alif, tatweel
_LETTERS = str.maketrans("أإآٱىةؤئ", "اااايهوي")
# The article with the particles that stick to it: ال، وال، بال، فال، كال، لل
_ARTICLE = re.compile(r"^(?:[وفبك]?ال|لل)(?=\w{2})")
_PARTICLE = re.compile(r"^[وفبل](?=\w{3})")


def arabic_key(word: str) -> str:
    """An Arabic word without marks, hamza forms or the article: "الحِلاقة" -> "حلاقه"."""
    plain = _MARKS.sub("", word).translate(_LETTERS)
    return _ARTICLE.sub("", plain)


def words_of(text: str) -> list[str]:
    """The words of a message, lowercased, Arabic ones as `arabic_key` writes them."""
    out = []
    for word in _WORD.findall(_MARKS.sub("", ascii_digits(text)).lower()):
        out.append(arabic_key(word) if _ARABIC.search(word) else word.replace("ı", "i"))
    return out


def catalog_glossary(
    catalog: Catalog,
    topics: Mapping[str, str] | None = None,
    foreign_topics: Mapping[str, str] | None = None,
) -> dict[str, Glossary]:
    """Per language, every translated name of the catalog -> its Turkish name, then the FAQ
    topics' phrases (`foreign_topics`, "en:faq_cost" -> lines) -> the Turkish words of the
    topic's first line (`topics`), then the static phrases, then single words that belong to
    one translated branch name only."""
    out: dict[str, Glossary] = {}
    for lang in ("en", "ar"):
        glossary: Glossary = {}
        named: list[Branch | Field | Center] = [
            *catalog.branches,
            *catalog.fields,
            *catalog.centers,
        ]
        # Whole names first: "Jewellery Design" is Takı Tasarımı's own name, only the bare
        # form of Mücevher Tasarımı's "Jewellery (Gem) Design".
        for whole in (True, False):
            for item in named:
                translated = getattr(item, f"name_{lang}", "")
                for phrase in _phrases_of(translated, whole=whole):
                    glossary.setdefault(phrase, item.name)
        for key, block in (foreign_topics or {}).items():
            topic_lang, _, name = key.partition(":")
            anchor = _anchor((topics or {}).get(name, ""))
            if topic_lang == lang and anchor:
                for phrase in _pattern_phrases(block):
                    glossary.setdefault(phrase, anchor)
        for phrase, turkish in PHRASES[lang].items():
            glossary.setdefault(phrase, turkish)
        owners: dict[str, set[str]] = {}
        for branch in catalog.branches:
            for word in words_of(getattr(branch, f"name_{lang}", "")):
                owners.setdefault(word, set()).add(branch.name)
        for word, names in owners.items():
            if len(names) == 1 and len(word) >= 4 and word not in DROP[lang]:
                glossary.setdefault((word,), next(iter(names)))
        out[lang] = glossary
    return out


def _lines(block: str) -> Iterable[tuple[float, list[list[str]]]]:
    """The weight and word slots of each "weight: a|b c" line (checked by locales/faq.py)."""
    for line in block.splitlines():
        weight, colon, body = line.partition(":")
        if colon and body.strip():
            yield float(weight), [slot.split("|") for slot in body.replace("^", " ").split()]


def _anchor(block: str) -> str:
    """The Turkish words standing for a topic: the first word of each slot of its surest line."""
    lines = sorted(_lines(block), key=lambda line: -line[0])
    return " ".join(slot[0] for slot in lines[0][1]) if lines else ""


def _pattern_phrases(block: str) -> Iterable[tuple[str, ...]]:
    """Every phrase a topic's lines spell: one word of each slot, in order."""
    for _, slots in _lines(block):
        for combination in product(*slots):
            phrase = tuple(words_of(" ".join(combination)))
            if phrase:
                yield phrase


def _phrases_of(name: str, *, whole: bool) -> Iterable[tuple[str, ...]]:
    """A translated name as words (`whole`), or without its bracketed part ("Argon (TIG)
    Welding" → "Argon Welding")."""
    if not name:
        return
    if whole:
        yield tuple(words_of(name))
        return
    bare = re.sub(r"\([^)]*\)", " ", name)
    if bare != name and words_of(bare):
        yield tuple(words_of(bare))


def to_turkish(text: str, lang: str, glossaries: Mapping[str, Glossary]) -> str:
    """The Turkish words an English or Arabic message stands for ("" when none)."""
    glossary = glossaries.get(lang) or {}
    drop = DROP.get(lang, frozenset())
    words = words_of(text)
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            phrase = tuple(words[i : i + size])
            found = glossary.get(phrase)
            if found is None and size == 1 and lang == "ar":
                found = glossary.get((_PARTICLE.sub("", phrase[0]),))
            if found is not None:
                if found and found not in out:  # "certificate official": one topic, once
                    out.append(found)
                i += size
                break
        else:
            word = words[i]
            if word not in drop and not _ARABIC.search(word):
                out.append(word)  # Latin letters or digits: a Turkish name, a number
            i += 1
    return " ".join(out)


def _parse(block: str) -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    for line in block.strip().splitlines():
        left, _, right = line.partition("=")
        for phrase in left.split("/"):
            key = tuple(words_of(phrase))
            if key:
                out.setdefault(key, right.strip())
    return out


PHRASES: dict[str, dict[tuple[str, ...], str]] = {lang: _parse(p) for lang, (p, _) in RAW.items()}
DROP: dict[str, frozenset[str]] = {lang: frozenset(words_of(d)) for lang, (_, d) in RAW.items()}


def static_turkish(text: str) -> str:
    """`text` rewritten with the phrase lists alone (no catalog): "بوجا" -> "Buca", "outside
    izmir" -> "izmir dışı"; for answers that name no course (a district in the form)."""
    lang = "ar" if _ARABIC.search(text) else "en"
    return to_turkish(text, lang, PHRASES)
