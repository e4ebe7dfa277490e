"""Plays dialogue files through the console channel and checks every turn's expectations.

The files: `shared_dev.yaml` is /work/shared/dialogue/dev.yaml copied unchanged (the shared
examples; format and vocabulary in that folder's README.md), `own.yaml` the project's own,
`heldout.yaml` and `heldout2.yaml` blind held-out sets written without reading the assistant's code.
Each dialogue is a new console user on a fresh copy of a database holding the sample catalog;
expectations are checked against that catalog, exported once (see `harness`).

Actions: `say` types a line; `press: LABEL` presses the button, among the replies of the last
turn, whose label contains LABEL (the last reply's buttons first); `location: "LAT LON"` and
`contact: PHONE` share them; `fill_until: KIND` answers the form as a citizen would until the
assistant asks KIND, and its expectations are checked on the replies that ask it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.dialogue.asks import KINDS, asked_kinds
from tests.dialogue.dialogues import Dialogue, Turn
from tests.dialogue.expect import check
from tests.dialogue.facts import Facts
from tests.dialogue.harness import NATIONAL_ID, Seed, Send, console
from tests.dialogue.text import fold, shorten

MAX_FILL_STEPS = 15
# Typed answers of a citizen filling in the form, by the kind of question.
TYPED = {
    "consent": "Onaylıyorum",
    "name": "Ayşe Yılmaz",
    "tckn": NATIONAL_ID,
    "birth": "14.03.1998",
    "phone": "0532 123 45 67",
    "district": "Bornova",
    "education": "Lise",
    "employment": "İş arıyorum",
}
# Buttons a citizen presses for a kind of question (folded label fragments), best first.
PRESSED = {
    "consent": ("onayliyorum", "kabul ediyorum", "onayla", "evet"),
    "education": ("lise",),
    "employment": ("is ariyorum", "issiz"),
}
_NOT_PRESSED = ("onaylami", "kabul etmi", "hayir", "iptal", "vazgec", "kapat", "gec", "menu",
                "geri")  # fmt: skip

Reply = dict[str, Any]


@dataclass
class Failure:
    turn: int
    action: str
    problem: str
    reply: str

    def __str__(self) -> str:
        return f"turn {self.turn} ({self.action}): {self.problem}\n    reply: {self.reply}"


@dataclass
class Outcome:
    dialogue: Dialogue
    failures: list[Failure] = field(default_factory=list)
    transcript: list[tuple[str, list[Reply]]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        head = f"{self.dialogue.id} [{self.dialogue.category}]"
        return "\n".join([head, *(f"  {f}" for f in self.failures)])

    def conversation(self) -> str:
        """Every turn with the replies its expectations were checked on, in full."""
        lines = [f"{self.dialogue.id} [{self.dialogue.category}]"]
        for action, replies in self.transcript:
            lines.append(f"> {action}")
            for r in replies:
                lines.append("  " + str(r.get("text", "")).replace("\n", "\n  "))
                lines.extend(f"    [{b['label']}] {b['data']}" for b in r.get("buttons") or ())
        return "\n".join(lines)


class TurnError(Exception):
    """An action could not be played (no such button, the form never asked KIND)."""

    def __init__(self, problem: str, replies: list[Reply] | None = None) -> None:
        super().__init__(problem)
        self.replies = replies


def replies_text(replies: list[Reply]) -> str:
    parts = []
    for r in replies:
        labels = " ".join(f"[{b['label']}]" for b in r.get("buttons") or ())
        parts.append(f"{r.get('text', '')} {labels}".strip())
    return shorten(" | ".join(parts)) if parts else "(no reply)"


def _button(replies: list[Reply], fragments: tuple[str, ...], avoid: str = "") -> str | None:
    """The data of the first button whose label holds one of the fragments (in their order),
    the last reply's buttons first; labels holding `avoid` are passed over."""
    for fragment in fragments:
        for reply in reversed(replies):
            for b in reply.get("buttons") or ():
                label = fold(str(b["label"]))
                if fragment in label and not (avoid and avoid in label):
                    return str(b["data"])
    return None


def _citizen_line(replies: list[Reply], target: str) -> str:
    """What a citizen sends next while filling in the form towards `target`."""
    last = replies[-1] if replies else None
    kinds = asked_kinds(last)
    if "confirm" in kinds:
        raise TurnError(f"reached the summary without being asked {target}")
    for kind in KINDS:
        if kind in kinds:
            data = _button(replies, PRESSED.get(kind, ()))
            return f"/press {data}" if data else str(TYPED[kind])
    data = _button(replies, ("basvur", "apply"), avoid="basvurular")  # not "Başvurularım"
    if data:
        return f"/press {data}"
    if last is not None and "?" in str(last.get("text", "")):  # "which one?" with options
        for b in last.get("buttons") or ():
            if not any(word in fold(str(b["label"])) for word in _NOT_PRESSED):
                return f"/press {b['data']}"
    raise TurnError(f"no form question to answer on the way to {target}")


async def _fill_until(send: Send, replies: list[Reply], target: str) -> list[Reply]:
    wanted = set(KINDS) if target == "form" else {target}
    for _ in range(MAX_FILL_STEPS):
        if asked_kinds(replies[-1] if replies else None) & wanted:
            return replies
        try:
            line = _citizen_line(replies, target)
        except TurnError as e:
            raise TurnError(str(e), replies) from None
        replies = await send(line)
    if asked_kinds(replies[-1] if replies else None) & wanted:
        return replies
    raise TurnError(f"the assistant never asked {target} within {MAX_FILL_STEPS} steps", replies)


async def play_turn(send: Send, turn: Turn, last: list[Reply]) -> list[Reply]:
    """Plays one action; returns the replies its expectations are checked on."""
    if turn.action == "say":
        return await send(turn.value)
    if turn.action == "press":
        data = _button(last, (fold(turn.value),))
        if data is None:
            raise TurnError(f"no button like {turn.value!r}")
        return await send(f"/press {data}")
    if turn.action == "location":
        return await send(f"/location {turn.value}")
    if turn.action == "contact":
        return await send(f"/contact {turn.value}")
    return await _fill_until(send, last, turn.value)


async def play(dialogue: Dialogue, seed: Seed, facts: Facts, folder: Path) -> Outcome:
    """Plays a dialogue as a new console user on a fresh database copy under `folder`."""
    outcome = Outcome(dialogue)
    async with console(seed, folder, f"console:{dialogue.id}") as send:
        last: list[Reply] = []
        for n, turn in enumerate(dialogue.turns, 1):
            try:
                last = await play_turn(send, turn, last)
                outcome.transcript.append((turn.describe(), last))
            except TurnError as e:
                outcome.transcript.append((turn.describe(), e.replies or []))
                shown = replies_text(e.replies if e.replies is not None else last)
                outcome.failures.append(Failure(n, turn.describe(), str(e), shown))
                break
            for problem in check(turn.expect, last, facts):
                outcome.failures.append(Failure(n, turn.describe(), problem, replies_text(last)))
    return outcome
