"""Known word forms and how a message word is resolved to them.

A *form* is a folded spelling; it maps to *terms*: ``@word`` for the generic lexicon,
``#District`` for districts and a bare root for catalog words. A message word resolves to the
longest known form it starts with when the rest is a chain of Turkish suffixes; otherwise it
is split into two known words, or matched to a form one or two typos away.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlu.morph import is_chain, is_noun_chain, soften
from nlu.text import squeeze

_MAX_FUZZY_OPTIONS = 4
_MIN_FUZZY = 4
_MIN_SUBSTITUTION = 5  # shorter words have real neighbours one letter away ("park", "para")


@dataclass(frozen=True, slots=True)
class Resolved:
    """One message word and the terms it was resolved to."""

    token: str
    terms: frozenset[str]
    form: str = ""
    rest: str = ""
    how: str = "unknown"  # exact | suffix | split | fuzzy | unknown


_UNKNOWN: frozenset[str] = frozenset()


class Vocabulary:
    """A mutable-then-frozen map from folded forms to terms, with typo-tolerant lookup."""

    def __init__(self, short_stems: frozenset[str] = frozenset()) -> None:
        self.catalog_words: set[str] = set()  # catalog words whose forms are already added
        self._forms: dict[str, set[str]] = {}
        self._frozen: dict[str, frozenset[str]] = {}
        self._fuzzy_ok: set[str] = set()
        self._pool: dict[int, list[str]] = {}
        self._short = short_stems

    def add(self, form: str, term: str, *, fuzzy: bool = True) -> None:
        """Adds a form (and its softened variant) that stands for ``term``."""
        if not form:
            return
        self._forms.setdefault(form, set()).add(term)
        if fuzzy and len(form) >= 4 and form.isalpha():
            self._fuzzy_ok.add(form)
        softened = soften(form)
        if softened:
            self._forms.setdefault(softened, set()).add(term)

    def freeze(self) -> None:
        """Freezes the forms and builds the length buckets used for typo matching."""
        self._frozen = {form: frozenset(terms) for form, terms in self._forms.items()}
        pool: dict[int, list[str]] = {}
        for form in sorted(self._fuzzy_ok):
            pool.setdefault(len(form), []).append(form)
        self._pool = pool

    def copy(self) -> Vocabulary:
        """Returns an unfrozen copy to extend with more forms."""
        other = Vocabulary(self._short)
        other._forms = {form: set(terms) for form, terms in self._forms.items()}
        other._fuzzy_ok = set(self._fuzzy_ok)
        return other

    def terms_of(self, form: str) -> frozenset[str]:
        """Returns the terms of an exact form (empty when unknown)."""
        return self._frozen.get(form, _UNKNOWN)

    def forms(self) -> dict[str, frozenset[str]]:
        """Returns every known form with its terms."""
        return self._frozen

    def lookup(self, token: str) -> Resolved | None:
        """Resolves a word exactly or as a known form followed by suffixes."""
        terms = self._frozen.get(token)
        if terms is not None:
            return Resolved(token, terms, token, "", "exact")
        if not token.isalpha():
            return None
        for size in range(len(token) - 1, 1, -1):
            prefix = token[:size]
            terms = self._frozen.get(prefix)
            if terms is None or (size < 3 and prefix not in self._short):
                continue
            rest = token[size:]
            if size + 3 < len(rest):
                break  # a short stem under a long tail is a guess ("bil" + "dirmleri")
            # a short catalog word takes only noun endings ("bar" + "da", never "barita")
            nouns_only = size <= 4 and all(t[0] != "@" for t in terms)
            if is_noun_chain(rest, prefix[-1]) if nouns_only else is_chain(rest, prefix[-1]):
                return Resolved(token, terms, prefix, rest, "suffix")
        return None

    def resolve(self, token: str) -> list[Resolved]:
        """Resolves a message word to one or two known words, or marks it unknown."""
        found = self.lookup(token)
        squeezed = squeeze(token)
        if squeezed != token:  # "kurslaarı": the longer known form wins
            other = self.lookup(squeezed)
            if other is not None and (found is None or len(other.form) > len(found.form)):
                found = Resolved(token, other.terms, other.form, other.rest, other.how)
        if found is not None:
            return [found]
        spellings = dict.fromkeys((token, squeezed))  # "saatelri" must keep its "aa"
        for spelling in spellings:
            close = self._fuzzy(spelling, whole_only=True)
            if close is not None:
                return [close]
        pair = self._split(token)
        if pair:
            return pair
        for spelling in spellings:
            fuzzy = self._fuzzy(spelling)
            if fuzzy is not None:
                return [fuzzy]
        return [Resolved(token, _UNKNOWN)]

    def _split(self, token: str) -> list[Resolved]:
        """Splits a glued word into two known words ("onmuhasebe" -> "on" + "muhasebe")."""
        if len(token) < 6 or not token.isalpha():
            return []
        for size in range(len(token) - 3, 2, -1):
            left = self._frozen.get(token[:size])
            if left is None:
                continue
            right = self.lookup(token[size:])
            if right is not None:
                head = Resolved(token[:size], left, token[:size], "", "split")
                tail = Resolved(token[size:], right.terms, right.form, right.rest, "split")
                return [head, tail]
        return []

    def _fuzzy(self, token: str, *, whole_only: bool = False) -> Resolved | None:
        """Finds the known form closest to a mistyped word, allowing suffixes after it."""
        if len(token) < _MIN_FUZZY or not token.isalpha():
            return None
        options = [(token, "")]
        for size in range(len(token) - 1, _MIN_FUZZY - 1, -1):
            if whole_only or len(options) >= _MAX_FUZZY_OPTIONS:
                break
            if is_chain(token[size:]):  # the stem is mistyped, so its last letter says little
                options.append((token[:size], token[size:]))
        best: tuple[tuple[int, int, bool, bool, int], str, str] | None = None
        for stem, rest in options:
            budget = 1 if len(stem) < 9 else 2
            for length in range(len(stem) - budget, len(stem) + budget + 1):
                if length == len(stem) and length < _MIN_SUBSTITUTION:
                    continue  # a short word may only miss or gain a letter ("zman")
                bucket = self._pool.get(length)
                if not bucket:
                    continue
                for choice, distance, _ in process.extract(
                    stem, bucket, scorer=OSA.distance, score_cutoff=budget, limit=4
                ):
                    other_start = choice[0] != stem[0]
                    if other_start and len(stem) <= 5:
                        continue
                    # on a tie, a dropped letter is likelier than a wrong one ("kanak": kaynak)
                    dropped = len(choice) == len(stem) + 1
                    gap = abs(len(choice) - len(stem))
                    key = (int(distance), -len(stem), other_start, not dropped, gap)
                    if best is None or key < best[0]:
                        best = (key, choice, rest)
        if best is None:
            return None
        _, choice, rest = best
        return Resolved(token, self._frozen[choice], choice, rest, "fuzzy")
