"""Dialogue pass rates: plays dialogue files through the console channel and scores them.

Run by hand from the project root: `PYTHONPATH=. python bench/dialogues.py [FILE...]`
(default: tests/dialogue/shared_dev.yaml, own.yaml, heldout.yaml and heldout2.yaml). Prints the
pass rate per file and category and in total, then every failure: the turn, the expectation
that failed and the reply (shortened). Exits 0 whatever the rates; the pytest suite is the gate.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tests.dialogue.dialogues import CATEGORIES, FILES, known_failures, load
from tests.dialogue.facts import Facts
from tests.dialogue.harness import make_seed
from tests.dialogue.play import Outcome, play


def _rate(outcomes: list[Outcome]) -> str:
    passed = sum(o.passed for o in outcomes)
    return f"{passed:3d}/{len(outcomes):<3d} {passed / len(outcomes):6.0%}" if outcomes else "-"


async def _run(paths: list[Path]) -> list[tuple[str, list[Outcome]]]:
    with tempfile.TemporaryDirectory(prefix="dialogues-") as tmp:
        root = Path(tmp)
        seed = await make_seed(root / "seed")
        facts = Facts.from_export(seed.export_dir, seed.today)
        results = []
        for path in paths:
            outcomes = []
            for n, dialogue in enumerate(load(path)):
                outcomes.append(await play(dialogue, seed, facts, root / f"{path.stem}-{n}"))
            results.append((path.name, outcomes))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=list(FILES))
    parser.add_argument(
        "--show", action="append", default=[], metavar="ID", help="print this dialogue in full"
    )
    args = parser.parse_args()
    start = time.perf_counter()
    results = asyncio.run(_run(args.files))
    known = known_failures()
    everything: list[Outcome] = []
    print(f"{'file / category':32s} {'passed':>8s}")
    for name, outcomes in results:
        everything += outcomes
        print(f"{name:32s} {_rate(outcomes)}")
        by_category: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            by_category[o.dialogue.category].append(o)
        for category in CATEGORIES:
            if by_category[category]:
                print(f"  {category:30s} {_rate(by_category[category])}")
    if len(results) > 1:
        print("all files")
        for category in CATEGORIES:
            same = [o for o in everything if o.dialogue.category == category]
            print(f"  {category:30s} {_rate(same)}")
    print(f"{'total':32s} {_rate(everything)}   ({time.perf_counter() - start:.1f} s)")
    failed = [o for o in everything if not o.passed]
    if failed:
        print(f"\nFailures ({len(failed)}):")
        for o in failed:
            mark = "" if o.dialogue.id in known else "  (NOT in known_failures.txt)"
            print(o.report() + mark)
    for o in everything:
        if o.dialogue.id in args.show:
            print("\n" + o.conversation())
    fixed = sorted(o.dialogue.id for o in everything if o.passed and o.dialogue.id in known)
    if fixed:
        print(f"\nPassing but listed in known_failures.txt: {', '.join(fixed)}")


if __name__ == "__main__":
    main()
