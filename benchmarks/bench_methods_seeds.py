"""Seed-to-seed spread of bench_methods.py: ours minus lightly's accuracy over several seeds.

Reads the JSON-lines files that ``bench_methods.py --json`` wrote (one file per seed, e.g.
the default run and ``--seed 1``, ``--seed 2`` reruns of some methods) and, for every method
seen with two or more seeds, tabulates kNN and probe accuracy of both sides (mean ± standard
deviation over seeds), the per-seed difference ours − lightly, and the median throughput
ratio. Appends the table to RESULTS.md.

    .venv/bin/python benchmarks/bench_methods_seeds.py runs/bench-methods.jsonl \\
        runs/bench-methods-seed1.jsonl runs/bench-methods-seed2.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from _common import REPO, append_results

NOISE = 0.5  # points: bench_methods' tie for one run


def rows_by_method(files: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """The paired rows of every method, one per (method, seed); a later file wins a repeat."""
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    for f in files:
        for line in f.read_text().splitlines():
            row = json.loads(line)
            if "lightly" in row:  # supcon has no peer
                rows.setdefault(row["method"], {})[row.get("seed", 0)] = row  # seed 0: preset
    return {m: [by_seed[s] for s in sorted(by_seed)] for m, by_seed in rows.items()}


def line(method: str, rows: list[dict[str, Any]]) -> str:
    cells = [method, ", ".join(str(r.get("seed", 0)) for r in rows)]
    cells.append(f"{statistics.median(r['ratio'] for r in rows):.2f}")
    verdict = []
    for key in ("knn", "probe"):
        ours = [100 * r["ours"][key] for r in rows]
        peer = [100 * r["lightly"][key] for r in rows]
        diff = [a - b for a, b in zip(ours, peer, strict=True)]
        mean = statistics.mean(diff)
        cells.append(f"{statistics.mean(ours):.2f} ± {statistics.stdev(ours):.2f}")
        cells.append(f"{statistics.mean(peer):.2f} ± {statistics.stdev(peer):.2f}")
        cells.append(f"{mean:+.2f} ({', '.join(f'{d:+.2f}' for d in diff)})")
        verdict.append(mean >= -NOISE)
    cells.append("MET" if all(verdict) else "MISSED")
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+", help="bench_methods.py --json outputs")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()

    rows = {m: r for m, r in rows_by_method(args.files).items() if len(r) >= 2}
    if not rows:
        raise SystemExit("no method appears with two or more seeds in these files")
    table = [
        "| method | seeds | × lightly (median) | kNN ours | kNN lightly | kNN ours − lightly "
        "(per seed) | probe ours | probe lightly | probe ours − lightly (per seed) "
        "| mean difference ≥ −0.5 |",
        "|---|---|---:|---:|---:|---|---:|---:|---|---|",
        *(line(m, r) for m, r in rows.items()),
    ]
    body = "\n".join(table) + (
        f"\n\nAccuracies in %, mean ± standard deviation over seeds; a seed changes both sides' "
        f"initial weights, sample order and views (`bench_methods.py --seed`). Files: "
        f"{', '.join(f'`{f}`' for f in args.files)}. The last column asks bench_methods' "
        f"tie of {NOISE} points of the mean difference over seeds instead of one run's.\n"
    )
    print(body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_methods_seeds.py", body)


if __name__ == "__main__":
    main()
