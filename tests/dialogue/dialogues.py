"""Dialogue files: `dialogues: [{id, category, turns: [{<action>: .., expect: {..}}]}]`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.dialogue.asks import KINDS
from tests.dialogue.expect import VOCABULARY

ACTIONS = ("say", "press", "location", "contact", "fill_until")
CATEGORIES = ("context", "typed", "mind", "multi", "keyword", "language", "near", "control")
HERE = Path(__file__).resolve().parent
FILES = (
    HERE / "shared_dev.yaml",
    HERE / "own.yaml",
    HERE / "heldout.yaml",
    HERE / "heldout2.yaml",
    HERE / "heldout3.yaml",
    HERE / "heldout4.yaml",
    HERE / "heldout5.yaml",
    HERE / "heldout6.yaml",
)


@dataclass(frozen=True, slots=True)
class Turn:
    action: str
    value: str
    expect: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.action}: {self.value}"


@dataclass(frozen=True, slots=True)
class Dialogue:
    id: str
    category: str
    turns: tuple[Turn, ...]
    source: str  # the file's name


class DialogueFileError(ValueError):
    pass


def _turn(raw: Any, where: str) -> Turn:
    if not isinstance(raw, dict):
        raise DialogueFileError(f"{where}: a turn is a mapping")
    actions = [a for a in ACTIONS if a in raw]
    unknown = set(raw) - {*ACTIONS, "expect"}
    if len(actions) != 1 or unknown:
        raise DialogueFileError(f"{where}: one of {ACTIONS} and maybe expect (got {sorted(raw)})")
    expect = raw.get("expect") or {}
    if not isinstance(expect, dict) or set(expect) - set(VOCABULARY):
        raise DialogueFileError(
            f"{where}: unknown expectation {sorted(set(expect) - set(VOCABULARY))}"
        )
    value = str(raw[actions[0]])
    if actions[0] == "fill_until" and value not in (*KINDS, "form"):
        raise DialogueFileError(f"{where}: fill_until takes one of {KINDS}")
    return Turn(actions[0], value, dict(expect))


def load(path: Path) -> list[Dialogue]:
    """The dialogues of one file, checked for shape (unknown words are errors, not skips)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[Dialogue] = []
    for raw in data["dialogues"]:
        where = f"{path.name}: {raw.get('id', '?')}"
        if raw.get("category") not in CATEGORIES:
            raise DialogueFileError(f"{where}: category must be one of {CATEGORIES}")
        turns = tuple(_turn(t, f"{where} turn {n}") for n, t in enumerate(raw["turns"], 1))
        out.append(Dialogue(str(raw["id"]), str(raw["category"]), turns, path.name))
    ids = [d.id for d in out]
    if len(ids) != len(set(ids)):
        raise DialogueFileError(
            f"{path.name}: repeated ids {sorted({i for i in ids if ids.count(i) > 1})}"
        )
    return out


def load_all(paths: tuple[Path, ...] = FILES) -> list[Dialogue]:
    dialogues = [d for p in paths for d in load(p)]
    ids = [d.id for d in dialogues]
    if len(ids) != len(set(ids)):
        raise DialogueFileError("a dialogue id is used in two files")
    return dialogues


def known_failures(path: Path = HERE / "known_failures.txt") -> dict[str, str]:
    """`id  # what the assistant answers today` per line; blank lines and comments skipped."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        body, _, comment = line.partition("#")
        if body.strip():
            out[body.strip()] = comment.strip() or "known failure"
    return out
