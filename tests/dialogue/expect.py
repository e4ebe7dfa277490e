"""The expectation vocabulary of the dialogue files, checked on plain replies.

A reply is a plain dict, as the console channel prints it with `--json`:
`{"text": "...", "buttons": [{"label": "...", "data": "..."}]}`. Every check gets the replies
of one turn and the catalog facts, and returns None when it holds or the reason it does not.
Case and Turkish diacritics are ignored throughout (see `text.fold`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tests.dialogue.asks import KINDS, Reply, asked_kinds, is_fallback, language_problem
from tests.dialogue.dates import date_pattern
from tests.dialogue.facts import Facts, haversine_km
from tests.dialogue.text import find_all, fold

NEAR_TOLERANCE_KM = 1.0
_NUMBER = re.compile(r"MF-\d{4}-\d{6}")
_EXCLUDED_AFTER = re.compile(
    r"[a-z']*[\s,]*(?:(?:kurs|egitim|ders)[a-z]*[\s,]*)?(?:degil|yerine|haric|istemiyor|olmasin)"
)

Check = Callable[[Any, Sequence[Reply], Facts], "str | None"]


def _text(replies: Sequence[Reply]) -> str:
    return fold("\n".join(str(r.get("text", "")) for r in replies))


def _labels(replies: Sequence[Reply]) -> list[str]:
    return [fold(str(b.get("label", ""))) for r in replies for b in r.get("buttons") or ()]


def _everything(replies: Sequence[Reply]) -> str:
    """The text, then every button label on its own line."""
    return "\n".join([_text(replies), *_labels(replies)])


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _named_branches(haystack: str, facts: Facts) -> list[tuple[int, int, str]]:
    """(start, end, branch id) of every branch named, longest name first where they overlap;
    a branch name inside a field's name ("Mobilya ve İç Mekân Tasarımı") does not count."""
    hits = [
        (start, end, b.id)
        for b in facts.branches.values()
        for start, end in find_all(fold(b.name), haystack)
    ]
    hits += [(s, e, "") for name in facts.fields for s, e in find_all(fold(name), haystack)]
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0]), h[2] == ""))
    kept: list[tuple[int, int, str]] = []
    for hit in hits:
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return [h for h in kept if h[2]]


def mentions_branch(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    haystack = _everything(replies)
    missing = [
        facts.branch(ref).name
        for ref in _as_list(value)
        if not any(find_all(fold(facts.branch(ref).name), haystack))
    ]
    return f"not named: {', '.join(missing)}" if missing else None


def only_branch(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    wanted = facts.branch(value).id
    others = {b for _, _, b in _named_branches(_everything(replies), facts)} - {wanted}
    names = sorted(facts.branches[b].name for b in others)
    return f"other courses named: {', '.join(names)}" if names else None


def lists_branch_first(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    wanted = facts.branch(value)
    haystack = _everything(replies)
    for _, end, branch in _named_branches(haystack, facts):
        if _EXCLUDED_AFTER.match(haystack, end):
            continue
        if branch == wanted.id:
            return None
        return f"the first course named is {facts.branches[branch].name}, not {wanted.name}"
    return f"no course named (wanted {wanted.name} first)"


def mentions_start_date_of(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    haystack = _everything(replies)
    for ref in _as_list(value):
        branch = facts.branch(ref)
        days = sorted({o.starts_on for o in facts.live(branch.id)})
        if not any(date_pattern(d).search(haystack) for d in days):
            shown = ", ".join(f"{d:%d.%m}" for d in days) or "none in the catalog"
            return f"no start date of {branch.name} (its dates: {shown})"
    return None


def mentions_centre_of(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    haystack = _everything(replies)
    for ref in _as_list(value):
        branch = facts.branch(ref)
        centres = {facts.centres[o.centre] for o in facts.live(branch.id)}
        if not any(any(find_all(form, haystack)) for c in centres for form in c.forms()):
            shown = ", ".join(sorted(c.name for c in centres)) or "none in the catalog"
            return f"no centre of {branch.name} named (its centres: {shown})"
    return None


def nearest_centre_of(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    ref, district = _as_list(value)
    branch = facts.branch(ref)
    point = facts.district_point(district)
    distance = {
        c: haversine_km(point, (c.lat, c.lon))
        for c in {facts.centres[o.centre] for o in facts.upcoming(branch.id)}
    }
    if not distance:
        return f"{branch.name} has no offering starting after {facts.today}"
    best = min(distance, key=lambda c: (distance[c], c.id))
    haystack = _everything(replies)
    named = [
        (start, c) for c in distance for form in c.forms() for start, _ in find_all(form, haystack)
    ]
    want = f"nearest to {district} is {best.name} ({distance[best]:.1f} km)"
    if not named:
        return f"no centre of {branch.name} named; {want}"
    first = min(named, key=lambda n: n[0])[1]
    if distance[first] > distance[best] + NEAR_TOLERANCE_KM:
        return f"first centre named is {first.name} ({distance[first]:.1f} km); {want}"
    return None


def mentions_any(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    text = _text(replies)
    words = [str(v) for v in _as_list(value)]
    return None if any(fold(w) in text for w in words) else f"none of {words} in the text"


def mentions_all(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    text = _text(replies)
    missing = [str(v) for v in _as_list(value) if fold(str(v)) not in text]
    return f"missing {missing}" if missing else None


def not_mentions(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    haystack = _everything(replies)
    found = [str(v) for v in _as_list(value) if fold(str(v)) in haystack]
    return f"mentions {found}" if found else None


def buttons_include(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    labels = _labels(replies)
    missing = [str(v) for v in _as_list(value) if not any(fold(str(v)) in lb for lb in labels)]
    return f"no button like {missing} (buttons: {labels})" if missing else None


def _kinds(value: Any) -> set[str]:
    wanted = {str(v) for v in _as_list(value)}
    return set(KINDS) if "form" in wanted else wanted


def asks_for(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    """The last message asks one of the kinds (`form`: any question of the form)."""
    asked = asked_kinds(replies[-1] if replies else None)
    if asked & _kinds(value):
        return None
    return f"asks {', '.join(sorted(asked)) or 'none of the kinds'}"


def not_asks_for(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    asked = asked_kinds(replies[-1] if replies else None) & _kinds(value)
    return f"asks for {sorted(asked)}" if asked else None


def application_number(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    text = "\n".join(str(r.get("text", "")) for r in replies)
    found = bool(_NUMBER.search(text))
    return None if found == bool(value) else f"application number {'missing' if value else 'shown'}"


def no_fallback(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    phrase = is_fallback(replies)
    if not value:
        return None if phrase else "not a fallback reply"
    return f"a fallback reply ({phrase!r})" if phrase else None


def language(value: Any, replies: Sequence[Reply], facts: Facts) -> str | None:
    return language_problem(replies, str(value))


VOCABULARY: dict[str, Check] = {
    "mentions_branch": mentions_branch,
    "only_branch": only_branch,
    "lists_branch_first": lists_branch_first,
    "mentions_start_date_of": mentions_start_date_of,
    "mentions_centre_of": mentions_centre_of,
    "nearest_centre_of": nearest_centre_of,
    "mentions_any": mentions_any,
    "mentions_all": mentions_all,
    "not_mentions": not_mentions,
    "buttons_include": buttons_include,
    "asks_for": asks_for,
    "not_asks_for": not_asks_for,
    "application_number": application_number,
    "no_fallback": no_fallback,
    "language": language,
}


def check(expect: Mapping[str, Any], replies: Sequence[Reply], facts: Facts) -> list[str]:
    """Every expectation that does not hold, as "word: value — reason"."""
    failed: list[str] = []
    for word, value in expect.items():
        reason = VOCABULARY[word](value, replies, facts)
        if reason is not None:
            failed.append(f"{word}: {value} — {reason}")
    return failed
