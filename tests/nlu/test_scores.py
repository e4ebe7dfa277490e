"""Accuracy on the development set and on our own held-out set (scoring rules of the README)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nlu import CatalogIndex
from nlu.scoring import parse_cases, score

DATA = Path(__file__).parent / "data"


def load_cases(path: Path) -> list[dict[str, Any]]:
    """Reads a labelled JSON-lines file."""
    return parse_cases(path.read_text(encoding="utf-8"))


PLAIN = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")


def test_dev_set(index: CatalogIndex) -> None:
    result = score(load_cases(DATA / "dev.jsonl"), index)
    assert result.intent.accuracy >= 0.97, result.misses
    assert result.branch.accuracy >= 0.98, result.misses
    for tally in (result.field, result.center, result.district):
        assert tally.accuracy >= 0.95, result.misses


def test_held_out_set(index: CatalogIndex) -> None:
    cases = load_cases(DATA / "heldout.jsonl")
    assert len(cases) >= 120
    result = score(cases, index)
    assert result.intent.accuracy >= 0.92, result.misses
    assert result.branch.accuracy >= 0.92, result.misses
    for tally in (result.field, result.center, result.district):
        assert tally.accuracy >= 0.9, result.misses


def test_extra_held_out_batches(index: CatalogIndex) -> None:
    result = score(load_cases(DATA / "extra.jsonl"), index)
    assert result.intent.accuracy >= 0.92, result.misses
    assert result.branch.accuracy >= 0.92, result.misses
    for tally in (result.field, result.center, result.district):
        assert tally.accuracy >= 0.9, result.misses


@pytest.mark.parametrize(
    "spell", [str.upper, lambda text: text.translate(PLAIN)], ids=["capitals", "no-turkish-letters"]
)
def test_spelling_variants(index: CatalogIndex, spell: Callable[[str], str]) -> None:
    cases = [
        {**case, "text": spell(case["text"])}
        for name in ("dev.jsonl", "heldout.jsonl")
        for case in load_cases(DATA / name)
    ]
    result = score(cases, index)
    assert result.intent.accuracy >= 0.95, result.misses
    assert result.branch.accuracy >= 0.95, result.misses


def test_labels_name_real_branches(index: CatalogIndex) -> None:
    ids = {b.id for b in index.branches}
    for name in ("dev.jsonl", "heldout.jsonl", "extra.jsonl"):
        for case in load_cases(DATA / name):
            labelled = case.get("branch")
            for branch in labelled if isinstance(labelled, list) else [labelled]:
                assert branch is None or branch in ids, (name, case)
