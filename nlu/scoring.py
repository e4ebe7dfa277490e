"""Scores ``understand`` against labelled JSON-lines files (rules in shared/nlu/README.md)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from nlu.index import CatalogIndex
from nlu.understand import understand


@dataclass(slots=True)
class Tally:
    """Right answers out of checked ones for one key."""

    right: int = 0
    checked: int = 0

    @property
    def accuracy(self) -> float:
        """Returns the share of right answers (1.0 when nothing was checked)."""
        return self.right / self.checked if self.checked else 1.0

    def add(self, ok: bool) -> None:
        """Counts one checked answer."""
        self.checked += 1
        self.right += int(ok)


@dataclass(slots=True)
class Score:
    """Accuracy per key and the lines that went wrong."""

    intent: Tally = _field(default_factory=Tally)
    branch: Tally = _field(default_factory=Tally)
    field: Tally = _field(default_factory=Tally)
    center: Tally = _field(default_factory=Tally)
    district: Tally = _field(default_factory=Tally)
    misses: list[str] = _field(default_factory=list)

    def summary(self) -> str:
        """Returns one line with every accuracy."""
        parts = []
        for key in ("intent", "branch", "field", "center", "district"):
            tally: Tally = getattr(self, key)
            parts.append(f"{key} {tally.accuracy:.3f} ({tally.right}/{tally.checked})")
        return ", ".join(parts)


def parse_cases(text: str) -> list[dict[str, Any]]:
    """Parses labelled messages, one JSON object per line (the caller reads the file)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _same(expected: object, got: object) -> bool:
    """Compares a field/center/district label case-insensitively (None only equals None)."""
    if expected is None or got is None:
        return expected is got
    return str(expected).casefold() == str(got).casefold()


def score(cases: Iterable[dict[str, Any]], index: CatalogIndex, locale: str | None = None) -> Score:
    """Runs ``understand`` on every case (as a user speaking `locale` would be understood)
    and tallies what it got right."""
    result = Score()
    for case in cases:
        got = understand(case["text"], index, locale).as_contract()
        wrong: list[str] = []
        ok = got["intent"] in case["intent"]
        result.intent.add(ok)
        if not ok:
            wrong.append(f"intent {got['intent']}")
        if "branch" in case:
            expected = case["branch"]
            if expected is None:
                ok = got["branch"] is None
            elif isinstance(expected, list):
                ok = got["branch"] in expected
            else:
                ok = got["branch"] == expected
            result.branch.add(ok)
            if not ok:
                wrong.append(f"branch {got['branch']} {got['candidates']}")
        for key in ("field", "center", "district"):
            if key in case:
                value = got[key]
                ok = _same(case[key], value)
                getattr(result, key).add(ok)
                if not ok:
                    wrong.append(f"{key} {value}")
        if wrong:
            result.misses.append(f"{case['text']!r}: " + "; ".join(wrong))
    return result
