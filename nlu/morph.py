"""Turkish suffix rules over folded words: suffix chains, roots and softened stems.

Words are folded first (ı->i, ü->u, ...), so one spelling covers each pair of vowel-harmony
variants ("lar"/"ler" stay two, "ım"/"im" become one).
"""

from __future__ import annotations

from functools import lru_cache

_VOWELS = frozenset("aeiou")


def _words(text: str) -> frozenset[str]:
    """Returns the set of whitespace-separated words in a text."""
    return frozenset(text.split())


# Derivational suffixes: they come first in a chain, and no verb ending follows them.
_DERIVATIONAL: frozenset[str] = _words("li lu lik luk lig lug siz suz ci cu cilik culuk ca ce")
# Verb endings (a verb stem may take them; a noun may not).
_VERBAL: frozenset[str] = _words(
    """
    mak mek ma me mam mem makta mekte maz mez madan meden
    iyor uyor iyorum uyorum iyoruz uyoruz iyorsun uyorsun iyorlar uyorlar iyordu uyordu
    yor yorum yoruz yorsun yorlar yordu yordum
    iyordum uyordum iyorsunuz uyorsunuz iyorsa uyorsa
    abil ebil yabil yebil ir ur ar er r ilir ulur inir unur nir nur
    di du ti tu dim dum tim tum dik duk tik tuk din dun diniz dunuz
    mis mus misim musum acak ecek yacak yecek acag eceg yacag yeceg
    cak cek cam cem caz cez icam ucam icem ucem
    sa se sam sem sak sek saniz seniz alim elim yalim yelim ayim eyim
    meli mali il ul ip up yip yup ince unca yince yunca en an yan yen dig dug tig tug
    """
)
# Inflections shared by nouns and verbs: plural, possessive, case, question, copula.
_NOMINAL: frozenset[str] = _words(
    """
    lar ler m n im in um un imiz iniz umuz unuz miz niz muz nuz
    i u si su yi yu ni nu a e ya ye na ne da de ta te nda nde dan den tan ten ndan nden
    nin nun yin yun ki la le yla yle ile dir dur tir tur
    mi mu misin musun miyim muyum miyiz midir mudur misiniz musunuz
    yim yum yiz yuz sin sun siniz sunuz ken yken ydi ymis yse ysa
    """
)
_MORPHEMES = _DERIVATIONAL | _VERBAL | _NOMINAL
_MAX_MORPHEMES = 4
_LONGEST = max(len(m) for m in _MORPHEMES)

_PLURAL_SUFFIXES = frozenset({"lar", "ler", "lari", "leri"})
_CLITICS = frozenset({"ki", "dir", "dur", "mi", "mu", "li", "lu"})

# Restricted chain for proper nouns and day names: case, plural, possessive, copula, "-li".
_NOUN_MORPHEMES: frozenset[str] = _words(
    """
    lar ler lari leri i u yi yu si su a e ya ye na ne da de ta te nda nde dan den tan ten
    ndan nden nin nun in un ki daki deki taki teki li lu liyim luyum yim yum dir dur mi mu
    """
)

# Suffixes stripped from catalog words to find their root, longest first.
_DERIVATIONAL_3 = ("ci", "cu")  # agent nouns: the remainder may be 3 letters ("arıcı")
_DERIVATIONAL_4 = ("lik", "luk", "li", "lu")
_PLURAL = ("lara", "lere", "lari", "leri", "lar", "ler")


@lru_cache(maxsize=65536)
def is_chain(rest: str, after: str = "") -> bool:
    """Tells whether ``rest`` is empty or at most four known suffixes that may follow a stem
    ending in the letter ``after``."""
    return _segments(rest, after[-1:], _MORPHEMES, _MAX_MORPHEMES)


@lru_cache(maxsize=8192)
def is_noun_chain(rest: str, after: str = "") -> bool:
    """Tells whether ``rest`` is empty or a short case/plural/possessive ending."""
    return _segments(rest, after[-1:], _NOUN_MORPHEMES, 2)


def _joins(before: str, morpheme: str) -> bool:
    """Tells whether a suffix may follow a letter: two vowels never meet at a suffix boundary
    ("pasta" + "ya", not "a"), and a bare "yor" follows only "i"/"u" ("oku" + "yor")."""
    if not before:
        return True
    if morpheme.startswith("yor"):
        return before in "iu"
    if len(morpheme) == 1 and morpheme not in _VOWELS:
        return before in _VOWELS  # "oda-m", "başla-r"; never "dersler-m"
    return not (before in _VOWELS and morpheme[0] in _VOWELS)


def _segments(
    rest: str, before: str, morphemes: frozenset[str], budget: int, previous: str = ""
) -> bool:
    """Tells whether ``rest`` splits into at most ``budget`` suffixes that join up, in an
    order Turkish allows (derivation first, no verb ending after it)."""
    if not rest:
        return True
    if budget == 0 or len(rest) > _LONGEST * budget:
        return False
    for size in range(min(len(rest), _LONGEST), 0, -1):
        piece = rest[:size]
        if piece not in morphemes or not _joins(before, piece):
            continue
        if previous and not _follows(previous, piece, morphemes):
            continue
        if _segments(rest[size:], piece[-1], morphemes, budget - 1, piece):
            return True
    return False


def _follows(previous: str, piece: str, morphemes: frozenset[str]) -> bool:
    """Tells whether a suffix may follow another one."""
    if piece in _DERIVATIONAL and piece not in _NOMINAL:
        return previous in _DERIVATIONAL  # "-cı-lık", never "-a-cı"
    if previous in _DERIVATIONAL and piece in _VERBAL and piece not in _NOMINAL:
        return False  # "-li-yor" is no word
    if morphemes is _NOUN_MORPHEMES:  # "-lar-ı", "-ı-nda", "-da-yım"; never "-ı-ta"
        return previous in _PLURAL_SUFFIXES or piece[0] in "ny" or piece in _CLITICS
    return True


def soften(word: str) -> str:
    """Returns the stem with a final 'k' voiced to 'g' ("kaynak" -> "kaynag"), else ''."""
    return word[:-1] + "g" if len(word) >= 4 and word.endswith("k") else ""


def _harden(word: str) -> str:
    """Undoes consonant voicing at the end of a stem ("kaynag" -> "kaynak")."""
    return word[:-1] + "k" if len(word) >= 4 and word.endswith("g") else word


def _has_vowel(word: str) -> bool:
    """Tells whether a word has at least one vowel."""
    return any(ch in _VOWELS for ch in word)


def _strip_once(word: str) -> str | None:
    """Removes one root-level suffix from a folded catalog word, or returns None."""
    for suffix in _PLURAL:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    for suffix in _DERIVATIONAL_3:
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and _has_vowel(stem):
            return stem
    for suffix in _DERIVATIONAL_4:
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 4 and _has_vowel(stem):
            return stem
    if len(word) >= 5 and word[-1] in "iu":
        if word[-2] == "s" and word[-3] in _VOWELS:
            return word[:-2]
        if word[-2] not in _VOWELS:
            return _harden(word[:-1])
    return None


@lru_cache(maxsize=16384)
def root_forms(word: str) -> tuple[str, ...]:
    """Returns a folded catalog word followed by its shorter stems, the last being its root."""
    forms = [word]
    current = word
    for _ in range(6):
        stripped = _strip_once(current)
        if stripped is None or stripped in forms:
            break
        forms.append(stripped)
        current = stripped
    return tuple(forms)


def root(word: str) -> str:
    """Returns the root of a folded catalog word ("kaynakciligi" -> "kaynak")."""
    return root_forms(word)[-1]
