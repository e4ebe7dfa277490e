"""Benchmark of the language detector on short messages: ours against offline libraries.

Run by hand from the repository root: ``python bench/language.py``. The messages are the
labelled Turkish sets and the English and Arabic held-out sets of tests/nlu/data (the words
people type to the assistant), plus one-word messages that must decide nothing. A library
that is not installed is skipped; none is a dependency (nlu/language.py keeps its own).

Reported per detector: right, wrong (a message taken for another language: a false switch)
and, for ours, how many it leaves undecided (it answers in the user's language then).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # so the script runs without installing the project

from nlu.language import decisive_language  # noqa: E402
from nlu.scoring import parse_cases  # noqa: E402

DATA = ROOT / "tests" / "nlu" / "data"
AMBIGUOUS = ("ok", "merhaba", "hello", "barista", "excel", "python", "tamam", "yes", "1", "🙂")
Detector = Callable[[str], str | None]


def samples() -> list[tuple[str, str | None]]:
    """(message, its language); None for a message of no language."""
    out: list[tuple[str, str | None]] = []
    for name in ("dev.jsonl", "heldout.jsonl"):
        out += [(c["text"], "tr") for c in parse_cases((DATA / name).read_text("utf-8"))]
    for lang in ("en", "ar"):
        cases = parse_cases((DATA / f"heldout_{lang}.jsonl").read_text("utf-8"))
        out += [(c["text"], lang) for c in cases]
    return out + [(word, None) for word in AMBIGUOUS]


def detectors() -> dict[str, Detector]:
    found: dict[str, Detector] = {"ours (nlu.language.decisive_language)": decisive_language}
    try:
        import py3langid  # type: ignore[import-not-found]

        py3langid.langid.set_languages(["tr", "en", "ar"])
        found["py3langid (tr/en/ar only)"] = lambda text: str(py3langid.langid.classify(text)[0])
    except ImportError:
        print("py3langid: not installed, skipped")
    try:
        from langdetect import DetectorFactory, detect  # type: ignore[import-not-found]

        DetectorFactory.seed = 0

        def langdetect(text: str) -> str | None:
            try:
                return str(detect(text))
            except Exception:  # noqa: BLE001 - "no features in text"
                return None

        found["langdetect"] = langdetect
    except ImportError:
        print("langdetect: not installed, skipped")
    return found


def main() -> None:
    cases = samples()
    median = sorted(len(t) for t, _ in cases)[len(cases) // 2]
    print(f"{len(cases)} messages (median {median} characters)")
    for name, detect in detectors().items():
        right = wrong = undecided = missed = 0
        wrong_by: dict[str, int] = {}
        started = time.perf_counter()
        for text, truth in cases:
            got = detect(text)
            if got is None:
                undecided += 1
                kept = truth is None or truth == "tr"  # Turkish, the default, stays
                right += kept
                missed += not kept
            elif got == truth:
                right += 1
            else:
                wrong += 1
                key = f"{truth}->{got}"
                wrong_by[key] = wrong_by.get(key, 0) + 1
        ms = (time.perf_counter() - started) * 1000 / len(cases)
        print(
            f"{name}: right {right}/{len(cases)} ({right / len(cases):.3f}), wrong {wrong} "
            f"{dict(sorted(wrong_by.items()))}, undecided {undecided} (of them English or "
            f"Arabic: {missed}), {ms:.3f} ms/message"
        )


if __name__ == "__main__":
    main()
