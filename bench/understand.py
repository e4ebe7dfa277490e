"""Benchmark of ``nlu.understand``: accuracy, per-message latency and index build time.

Run by hand from the repository root: ``python bench/understand.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # so the script runs without installing the project

from locales.faq import topic_patterns  # noqa: E402
from nlu import CatalogIndex, understand  # noqa: E402
from nlu.index import _catalog_word  # noqa: E402
from nlu.intents import base_lexicon  # noqa: E402
from nlu.morph import is_chain, root_forms  # noqa: E402
from nlu.scoring import parse_cases, score  # noqa: E402
from storage.sample import load_base_catalog  # noqa: E402
from tests.nlu.catalogs import generated_catalog  # noqa: E402

DATA = ROOT / "tests" / "nlu" / "data"
NOISE = ("", " 🙂", "!!!", " lütfen", "?", " 🙏🙏")


def load_cases(path: Path) -> list[dict[str, Any]]:
    """Reads a labelled JSON-lines file."""
    return parse_cases(path.read_text(encoding="utf-8"))


def variants(text: str, rng: random.Random) -> list[str]:
    """Returns noisy spellings of a message: capitals, no Turkish letters, a typo, emoji."""
    plain = text.translate(str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU"))
    out = [text.upper(), plain, text + rng.choice(NOISE)]
    if len(text) > 4:
        cut = rng.randrange(1, len(text) - 1)
        out.append(text[:cut] + text[cut + 1 :])  # one letter dropped
    return out


def percentile(sorted_values: list[float], share: float) -> float:
    """Returns the value below which ``share`` of the sorted values lie."""
    position = min(len(sorted_values) - 1, int(round(share * (len(sorted_values) - 1))))
    return sorted_values[position]


def latency(
    index: CatalogIndex, texts: list[str], rounds: int, locale: str | None = None
) -> list[float]:
    """Times ``understand`` on every text, ``rounds`` times, in milliseconds."""
    for text in texts:  # warm the caches once, as a running bot would
        understand(text, index, locale)
    timings: list[float] = []
    gc.disable()
    try:
        for _ in range(rounds):
            for text in texts:
                started = time.perf_counter()
                understand(text, index, locale)
                timings.append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return sorted(timings)


def cold_build(extra_branches: int, centres: int, courses: int) -> tuple[float, int, int]:
    """Builds an index of a generated catalog with empty word caches; returns ms and sizes."""
    catalog = generated_catalog(extra_branches, centres, courses)
    for cached in (_catalog_word, root_forms, is_chain):
        cached.cache_clear()
    started = time.perf_counter()
    CatalogIndex.build(catalog, topic_patterns())
    return (time.perf_counter() - started) * 1000, len(catalog.branches), len(catalog.centers)


def main() -> None:
    """Prints accuracy, latency and build-time figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="passes over the messages")
    args = parser.parse_args()

    topics = topic_patterns()
    started = time.perf_counter()
    base_lexicon(tuple(topics.items()))
    print(f"generic lexicon build: {(time.perf_counter() - started) * 1000:.1f} ms (once)")
    started = time.perf_counter()
    index = CatalogIndex.build(load_base_catalog(), topics)
    print(f"sample catalog index build: {(time.perf_counter() - started) * 1000:.1f} ms")

    sets = ("dev", "heldout", "extra", "blind3", "blind5", "blind6")
    for name in (f"{s}.jsonl" for s in sets):
        cases = load_cases(DATA / name)
        result = score(cases, index)
        print(f"{name} ({len(cases)} messages): {result.summary()}")
        for miss in result.misses:
            print(f"  miss: {miss}")

    for lang in ("en", "ar"):  # understood in the user's language (nlu/foreign.py)
        cases = load_cases(DATA / f"heldout_{lang}.jsonl")
        result = score(cases, index, locale=lang)
        print(f"heldout_{lang}.jsonl ({len(cases)} messages, as {lang}): {result.summary()}")
        for miss in result.misses:
            print(f"  miss: {miss}")
        foreign = [c["text"] for c in cases]
        timings = latency(index, foreign, args.rounds, lang)
        print(f"  understand in {lang}: median {statistics.median(timings):.3f} ms")

    rng = random.Random(11)
    texts = [c["text"] for n in ("dev.jsonl", "heldout.jsonl") for c in load_cases(DATA / n)]
    texts += [v for t in list(texts) for v in variants(t, rng)]
    timings = latency(index, texts, args.rounds)
    print(
        f"understand over {len(texts)} messages x {args.rounds} rounds: "
        f"median {statistics.median(timings):.3f} ms, p95 {percentile(timings, 0.95):.3f} ms, "
        f"p99 {percentile(timings, 0.99):.3f} ms, max {timings[-1]:.3f} ms"
    )

    for extra, centres in ((0, 0), (1000, 100), (5000, 500)):
        ms, branches, centre_count = cold_build(extra, centres, 5000)
        print(
            f"index build, cold caches: {branches} branches, {centre_count} centres, "
            f"5000 courses: {ms:.0f} ms"
        )


if __name__ == "__main__":
    main()
