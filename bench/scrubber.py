"""The identity scrubber on labelled notes: recall per language and kind, ordinary words
kept, time per note, memory (issue 14's goals). `make bench-scrubber`.

    python bench/scrubber.py [--set tests/records/scrub_notes] [--misses] [--ablation]

Recall counts an identifier as removed when every letter and digit of it was removed;
a marked ordinary word is kept when none of its letters or digits was
(helpline/records/scrubber/evaluation.py). The held-out set (bench/scrub_holdout) was
written apart from the development set and is only scored, never tuned on.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

scrubber = evaluation = None  # imported in main, after the memory baseline

GOAL_KINDS = ("name", "place", "postcode", "date", "handle", "plate")
RECALL_GOAL = {"nl": 0.95, "fr": 0.95, "en": 0.90}
KEEP_GOAL = 0.95
P95_GOAL_MS = 200
MEMORY_GOAL_MB = 400
KINDS = ("name", "place", "postcode", "address", "institution", "date", "plate", "handle",
         "email", "phone", "url", "account", "national_number")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6


def spans(text: str, options=None) -> list[tuple[int, int]]:
    found = scrubber.find(text, options) if options else scrubber.find(text)
    return [(s.start, s.end) for s in found]


def ablation(notes: list) -> None:
    """What the trained tools add: without them, with them untrimmed, as shipped."""
    print("\n== ablation (development set): name / institution recall, ordinary words kept")
    for label, options in (("word rules and patterns only", scrubber.Options(tools=False)),
                           ("+ deduce and spaCy, untrimmed", scrubber.Options(trim=False)),
                           ("+ deduce and spaCy, trimmed (shipped)", scrubber.Options())):
        result = evaluation.score(notes, lambda text, o=options: spans(text, o))
        cells = [f"{lang}: {result.recall(lang, 'name'):.3f} / "
                 f"{result.recall(lang, 'institution'):.3f} / {result.keep_rate(lang):.3f}"
                 for lang in ("nl", "fr", "en")]
        print(f"{label:<40}" + "   ".join(cells))


def report(name: str, notes: list, show_misses: bool) -> bool:
    result = evaluation.score(notes, spans)
    met = True
    print(f"\n== {name}: {len(notes)} notes")
    langs = sorted({n.language for n in notes}, key=("nl", "fr", "en").index)
    print(f"{'kind':<16}" + "".join(f"{lang:>16}" for lang in langs))
    for kind in KINDS:
        cells = []
        for lang in langs:
            total = result.found[lang, kind]
            if not total:
                cells.append(f"{'-':>16}")
                continue
            recall = result.removed[lang, kind] / total
            miss = kind in GOAL_KINDS and recall < RECALL_GOAL[lang]
            met &= not miss
            cells.append(f"{recall:>9.3f} ({result.removed[lang, kind]:>3}/{total:<3})"
                         + ("!" if miss else " "))
        print(f"{kind:<16}" + "".join(f"{c:>16}" for c in cells))
    keep_cells = []
    for lang in langs:
        rate = result.keep_rate(lang)
        met &= rate is None or rate >= KEEP_GOAL
        keep_cells.append(f"{rate:>9.3f} ({result.kept[lang]:>3}/{result.keep_total[lang]:<3})")
    print(f"{'ordinary kept':<16}" + "".join(f"{c:>16}" for c in keep_cells))
    print(f"goals (recall >= {RECALL_GOAL} for {', '.join(GOAL_KINDS)}; kept >= {KEEP_GOAL}):"
          f" {'met' if met else 'MISSED (! marks each miss)'}")
    if show_misses:
        for lang, kind, text in result.misses:
            print(f"  miss {lang} {kind}: {text}")
        for lang, text in result.lost:
            print(f"  lost {lang}: {text}")
    return met


def timing(notes: list) -> bool:
    """Per-note time on notes padded to 500 characters, the form's usual size."""
    texts = []
    for note in notes:
        text = note.text
        while len(text) < 500:
            text += " " + note.text
        texts.append(text[:500])
    times = []
    for text in texts * 3:
        start = time.perf_counter()
        scrubber.scrub(text)
        times.append((time.perf_counter() - start) * 1000)
    p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
    print(f"\n== time per 500-character note ({len(times)} scrubs): p50 {p50:.1f} ms, "
          f"p95 {p95:.1f} ms, max {max(times):.1f} ms (goal p95 <= {P95_GOAL_MS} ms)")
    return p95 <= P95_GOAL_MS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default=str(ROOT / "tests/records/scrub_notes"))
    parser.add_argument("--holdout", default=str(ROOT / "bench/scrub_holdout"))
    parser.add_argument("--misses", action="store_true", help="print every miss and loss")
    parser.add_argument("--ablation", action="store_true",
                        help="also score without the trained tools and without trimming")
    args = parser.parse_args()
    global scrubber, evaluation
    import flask  # noqa: F401  (a server process has these before the scrubber loads)
    import flask_babel  # noqa: F401
    import sqlalchemy  # noqa: F401

    before = rss_mb()
    from helpline.records import scrubber
    from helpline.records.scrubber import evaluation

    start = time.perf_counter()
    scrubber.load()
    loaded = time.perf_counter() - start
    import gc

    gc.collect()
    grown = rss_mb() - before
    print(f"loaded in {loaded:.2f} s; memory grew by {grown:.0f} MB "
          f"(goal <= {MEMORY_GOAL_MB} MB)")
    dev = evaluation.read(Path(args.set))
    ok = report("development set", dev, args.misses)
    held_out = None
    if Path(args.holdout).exists():
        held_out = report("held-out set (never tuned on)", evaluation.read(Path(args.holdout)),
                          args.misses)
    if args.ablation:
        ablation(dev)
    ok &= timing(dev)
    ok &= grown <= MEMORY_GOAL_MB
    print(f"\ngoals on the development set, time and memory: {'met' if ok else 'NOT met'}")
    if held_out is not None:
        print(f"goals on the held-out set: {'met' if held_out else 'NOT met (see ! above)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
