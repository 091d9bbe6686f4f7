"""The two-tower recommender beside popularity, item-kNN and BPR-MF on MovieLens (issue
#18): 671 users, 9,066 movies, 100,004 ratings (every rating an interaction), leave-last-out
(each user's latest rating held out), Recall@10 and NDCG@10 by ranking all 9,066 items with
the user's training items removed, the same code scoring every model.

Ours: `two_tower` (id embeddings + genres on the item side, 64-d unit vectors, τ 0.05, batch
512, AdamW 5e-3, `--epochs` epochs), with the logQ correction exact (from training counts),
streaming (Yi et al.'s estimate), none, and flipped (added instead of subtracted); and exact
with 10 mined hard negatives per user (the highest-scored unseen items, every step).
Peers: popularity (training counts); item-kNN (cosine between items' user sets, a user's
score for an item the sum of its similarities to the user's items); BPR-MF (the `implicit`
package's, 64 factors, lr 0.01, reg 0.01, 100 iterations).

    .venv/bin/python benchmarks/bench_recommend.py [--seeds 0 1 2] [--epochs 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from _common import REPO, append_results, load_average
from contrastkit.api import open_run, train
from contrastkit.data.interactions import load_interactions
from contrastkit.evaluation.ranking import held_out_ranks, ranking_scores
from contrastkit.tasks.interactions.split import leave_last_out

VARIANTS = ("exact", "streaming", "none", "flipped", "exact+hard10")


def score(scores: torch.Tensor, split, seen: torch.Tensor) -> tuple[float, float]:
    users = split.test_users
    ranks = held_out_ranks(scores[users], split.test_items, seen[users])
    result = ranking_scores(ranks, 10)
    return result.recall, result.ndcg


def ours(work: Path, seed: int, variant: str, epochs: int) -> tuple[float, float, float]:
    correction, _, hard = variant.partition("+hard")
    out = work / f"tt-{variant}-{seed}"
    result = train(
        {"task": "interactions", "epochs": epochs, "seed": seed, "device": "cpu",
         "model": {"correction": correction, "hard_negatives": int(hard or 0)}},
        out=out, progress=False,
    )  # fmt: skip
    run = open_run(out)
    scores = run.task.evaluate(
        run, data=None, overrides=(), device=torch.device("cpu"), progress=False
    ).scores
    return scores["recall@10"], scores["ndcg@10"], result.samples_per_second


def popularity(matrix: torch.Tensor) -> torch.Tensor:
    return matrix.sum(dim=0, keepdim=True).expand(matrix.shape[0], -1).clone()


def item_knn(matrix: torch.Tensor) -> torch.Tensor:
    items = torch.nn.functional.normalize(matrix.T, dim=1)
    similarity = items @ items.T
    similarity.fill_diagonal_(0)
    return matrix @ similarity


def bpr(matrix: torch.Tensor, seed: int) -> torch.Tensor:
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from scipy.sparse import csr_matrix

    model = BayesianPersonalizedRanking(
        factors=64, learning_rate=0.01, regularization=0.01, iterations=100, random_state=seed
    )
    model.fit(csr_matrix(matrix.numpy()), show_progress=False)
    return torch.from_numpy(np.asarray(model.user_factors) @ np.asarray(model.item_factors).T)


def _ms(xs: list[float]) -> str:
    return f"{statistics.fmean(xs):.4f} ± {statistics.stdev(xs) if len(xs) > 1 else 0:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()
    started, loads = time.perf_counter(), [load_average()]
    data = load_interactions("movielens")
    split = leave_last_out(data)
    matrix = torch.zeros(len(data.users), len(data.items))
    matrix[data.user[split.train], data.item[split.train]] = 1.0
    seen = matrix.bool()
    rows: dict[str, list[tuple[float, float]]] = {
        "popularity": [score(popularity(matrix), split, seen)],
        "item-kNN (cosine)": [score(item_knn(matrix), split, seen)],
        "BPR-MF (implicit)": [score(bpr(matrix, s), split, seen) for s in args.seeds],
    }
    print(json.dumps(rows), flush=True)
    rates: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for variant in args.variants:
            runs = [ours(Path(tmp), s, variant, args.epochs) for s in args.seeds]
            name = variant.replace("+hard10", ", 10 mined negatives")
            rows[f"two-tower, logQ {name}"] = [(r, n) for r, n, _ in runs]
            rates += [rate for *_, rate in runs]
            print(json.dumps({variant: runs}), flush=True)
            loads.append(load_average())
    lines = ["| model | Recall@10 | NDCG@10 | runs |", "|---|---:|---:|---:|"]
    for name, values in rows.items():
        lines.append(
            f"| {name} | {_ms([r for r, _ in values])} | {_ms([n for _, n in values])} | {len(values)} |"
        )
    body = "\n".join(lines) + (
        f"\n\n{len(split.test_users)} test users, {len(data.items)} items ranked each. Ours: "
        f"{args.epochs} epochs, seeds {', '.join(map(str, args.seeds))}; mean ± sd over seeds "
        f"(popularity and item-kNN are deterministic); training {statistics.median(rates):,.0f} "
        f"pairs/s (median). Whole run {(time.perf_counter() - started) / 60:.1f} min; 1-minute "
        f"load average {min(loads):.2f}–{max(loads):.2f}.\n"
    )
    print(body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_recommend.py", body)


if __name__ == "__main__":
    main()
