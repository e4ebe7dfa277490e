"""The search index of one catalog: branch, field and centre names as weighted word roots."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from core.catalog import Catalog
from nlu.districts import DISTRICTS, district_key, official_name
from nlu.foreign import Glossary, catalog_glossary
from nlu.intents import BaseLexicon, base_lexicon
from nlu.morph import is_chain, is_noun_chain, root_forms
from nlu.text import tokens
from nlu.vocab import Vocabulary

log = logging.getLogger(__name__)

_LONG_WEAK = 5  # an everyday word this long keeps its sense under suffixes ("internetten")


@dataclass(frozen=True, slots=True)
class Phrase:
    """A name or keyword as the roots of its content words."""

    roots: tuple[str, ...]
    is_name: bool
    words: tuple[str, ...] = ()  # the content words as written, folded


@dataclass(frozen=True, slots=True)
class Entry:
    """A branch or field with its phrases and every root they contain."""

    id: str
    name: str
    parent: str
    phrases: tuple[Phrase, ...]
    roots: frozenset[str]


@dataclass(frozen=True, slots=True)
class CentreEntry:
    """A centre with the roots that name it and whether those are only a district's name."""

    id: str
    district: str
    alias: frozenset[str]
    district_named: bool


@dataclass(frozen=True, slots=True)
class Weights:
    """Inverse document frequency of roots over a set of entries, with a posting list."""

    idf: dict[str, float]
    postings: dict[str, tuple[int, ...]]

    def of(self, root: str) -> float:
        """Returns the weight of a root (0 when no entry uses it)."""
        return self.idf.get(root, 0.0)


@lru_cache(maxsize=32768)
def _catalog_word(
    token: str, base: BaseLexicon
) -> tuple[str, tuple[tuple[str, frozenset[str]], ...]] | None:
    """Returns the root of a catalog word and its forms with the generic terms each also has,
    or None for a generic word."""
    found = base.vocab.lookup(token)
    if (
        found is not None
        and found.terms & base.generic
        and is_noun_chain(found.rest, found.form[-1:])
    ):
        return None
    forms = root_forms(token)
    with_terms = []
    for form in forms:
        known = base.vocab.lookup(form)
        keep = known is not None and is_noun_chain(known.rest, known.form[-1:])
        with_terms.append((form, known.terms if known is not None and keep else frozenset()))
    return forms[-1], tuple(with_terms)


def _register(vocab: Vocabulary, root: str, forms: tuple[tuple[str, frozenset[str]], ...]) -> None:
    """Adds the forms of a catalog word, keeping the generic meaning a form also has."""
    for form, terms in forms:
        vocab.add(form, root)
        for term in terms:
            vocab.add(form, term, fuzzy=False)


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    """Returns the folded words of a catalog name or keyword."""
    return tuple(tokens(text))


def _phrase(text: str, vocab: Vocabulary, base: BaseLexicon, *, is_name: bool = False) -> Phrase:
    """Turns a name or keyword into the roots of its content words, registering their forms."""
    words = _words(text)
    roots: list[str] = []
    kept: list[str] = []
    for word in words:
        known = _catalog_word(word, base)
        if known is None:
            continue
        root, forms = known
        if word not in vocab.catalog_words:
            vocab.catalog_words.add(word)
            _register(vocab, root, forms)
        roots.append(root)
        kept.append(word)
    if not roots and words:  # a name made only of generic words still names something
        for word in words:
            stems = root_forms(word)
            for form in stems:
                vocab.add(form, stems[-1])
            roots.append(stems[-1])
            kept.append(word)
    unique = tuple(dict.fromkeys(roots))
    if len(kept) > 1:  # "onmuhasebe", "eticaret": the words typed together
        for root in unique:
            vocab.add("".join(kept), root)
    return Phrase(unique, is_name, tuple(dict.fromkeys(kept)))


def _entry(
    ident: str, name: str, parent: str, texts: Iterable[str], vocab: Vocabulary, base: BaseLexicon
) -> Entry:
    """Builds an entry from its name (first phrase) and keywords."""
    phrases: list[Phrase] = []
    for number, text in enumerate((name, *texts)):
        phrase = _phrase(text, vocab, base, is_name=number == 0)
        if phrase.roots:
            phrases.append(phrase)
    all_roots = frozenset(r for p in phrases for r in p.roots)
    return Entry(ident, name, parent, tuple(phrases), all_roots)


def _weights(entries: tuple[Entry, ...]) -> Weights:
    """Computes root weights (log inverse frequency) and postings over entries."""
    postings: dict[str, list[int]] = {}
    for number, entry in enumerate(entries):
        for root in entry.roots:
            postings.setdefault(root, []).append(number)
    total = max(len(entries), 1)
    idf = {root: math.log(1.0 + total / len(ids)) for root, ids in postings.items()}
    return Weights(idf, {root: tuple(ids) for root, ids in postings.items()})


@dataclass(frozen=True, slots=True)
class CatalogIndex:
    """Everything ``understand`` needs about one catalog, built once per catalog load."""

    base: BaseLexicon
    vocab: Vocabulary
    branches: tuple[Entry, ...]
    branch_weights: Weights
    fields: tuple[Entry, ...]
    field_weights: Weights
    centres: tuple[CentreEntry, ...]
    districts: dict[str, str]  # "#Name" term -> district name as written officially
    branch_field: dict[str, str]
    place_roots: frozenset[str]  # roots that only name centres ("halkapinar", "evka")
    centre_alias_roots: frozenset[str]
    weak_roots: frozenset[str] = frozenset()  # roots of everyday words ("online", "hasta")
    # English and Arabic phrases -> Turkish words, with the catalog's translated names
    foreign: dict[str, Glossary] = field(default_factory=dict)

    @property
    def topics(self) -> frozenset[str]:
        """Returns the names of the FAQ topics this index understands."""
        return self.base.topics

    @classmethod
    def build(cls, catalog: Catalog, topics: Mapping[str, str]) -> CatalogIndex:
        """Indexes branch names and keywords, field names, centre names and districts, with
        the FAQ topics' trigger patterns (topic name -> ``weight: slot slot`` lines)."""
        started = time.perf_counter()
        foreign_topics = {k: v for k, v in topics.items() if ":" in k}  # "en:faq_cost"
        topics = {k: v for k, v in topics.items() if ":" not in k}
        base = base_lexicon(tuple(topics.items()))
        vocab = base.vocab.copy()
        branches = tuple(
            _entry(b.id, b.name, b.field, b.keywords, vocab, base) for b in catalog.branches
        )
        fields = _with_aliases(
            tuple(_entry(f.id, f.name, "", (), vocab, base) for f in catalog.fields), branches
        )
        districts = {"#" + name: name for name in _district_names(catalog)}
        for term, name in districts.items():
            for form in root_forms(district_key(name)):  # "torbalı" is also "torba-"
                if form == district_key(name) or len(form) >= 5:
                    vocab.add(form, term)
        centres = tuple(_centre(c.id, c.name, c.district, vocab, base) for c in catalog.centers)
        vocab.freeze()
        index = cls(
            base=base,
            vocab=vocab,
            branches=branches,
            branch_weights=_weights(branches),
            fields=fields,
            field_weights=_weights(fields),
            centres=centres,
            districts=districts,
            branch_field={b.id: b.field for b in catalog.branches},
            place_roots=_place_roots(centres, branches, fields),
            centre_alias_roots=frozenset(r for c in centres for r in c.alias),
            weak_roots=_weak_roots(base.weak, branches, fields),
            foreign=catalog_glossary(catalog, topics, foreign_topics),
        )
        log.info(
            "catalog index: %d branches, %d fields, %d centres, %d forms in %.0f ms",
            len(branches),
            len(fields),
            len(centres),
            len(vocab.forms()),
            (time.perf_counter() - started) * 1000,
        )
        return index


def _with_aliases(fields: tuple[Entry, ...], branches: tuple[Entry, ...]) -> tuple[Entry, ...]:
    """Adds to each field the words its branches share and no other field's branch uses
    ("mutfak" for food services), unless they mostly name the branches themselves."""
    owners: dict[str, set[str]] = {}
    named: dict[str, int] = {}
    count: dict[str, int] = {}
    for branch in branches:
        name_roots = branch.phrases[0].roots if branch.phrases else ()
        for root in branch.roots:
            owners.setdefault(root, set()).add(branch.parent)
            count[root] = count.get(root, 0) + 1
            named[root] = named.get(root, 0) + (root in name_roots)
    aliases: dict[str, list[str]] = {}
    for root, parents in owners.items():
        if len(parents) == 1 and count[root] >= 2 and named[root] * 2 < count[root]:
            aliases.setdefault(next(iter(parents)), []).append(root)
    out = []
    for entry in fields:
        extra = tuple(Phrase((r,), is_name=False) for r in sorted(aliases.get(entry.id, ())))
        roots = entry.roots | {p.roots[0] for p in extra}
        out.append(Entry(entry.id, entry.name, entry.parent, entry.phrases + extra, roots))
    return tuple(out)


def _weak_roots(
    weak: frozenset[str], branches: tuple[Entry, ...], fields: tuple[Entry, ...]
) -> frozenset[str]:
    """Returns the roots of everyday words, and of catalog words that are a longer everyday
    word with suffixes ("internetten")."""
    out = {root_forms(w)[-1] for w in weak}
    long_words = [w for w in weak if len(w) >= _LONG_WEAK]
    for entry in (*branches, *fields):
        for root in entry.roots:
            if any(root.startswith(w) and is_chain(root[len(w) :], w[-1]) for w in long_words):
                out.add(root)
    return frozenset(out)


def _place_roots(
    centres: tuple[CentreEntry, ...], branches: tuple[Entry, ...], fields: tuple[Entry, ...]
) -> frozenset[str]:
    """Returns the roots of centre names that no branch or field uses."""
    used = {r for e in (*branches, *fields) for r in e.roots}
    return frozenset(r for c in centres for r in c.alias if r not in used)


def _district_names(catalog: Catalog) -> list[str]:
    """Returns İzmir's districts plus any other district a catalog centre lies in."""
    names = list(DISTRICTS)
    known = {district_key(n) for n in names}
    for centre in catalog.centers:
        key = district_key(centre.district)
        if centre.district.strip() and key not in known:
            known.add(key)
            names.append(centre.district.strip())
    return names


def _centre(
    ident: str, name: str, district: str, vocab: Vocabulary, base: BaseLexicon
) -> CentreEntry:
    """Builds a centre entry; its alias is its name without generic words."""
    roots = _phrase(name, vocab, base).roots
    district_keys = {district_key(d) for d in DISTRICTS} | {district_key(district)}
    words = [w for w in _words(name) if _catalog_word(w, base) is not None]
    named_by_district = bool(words) and all(w in district_keys for w in words)
    return CentreEntry(
        id=ident,
        district=official_name(district) or district.strip(),
        alias=frozenset(roots),
        district_named=named_by_district,
    )
