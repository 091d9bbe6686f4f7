"""Our `pairs` training beside sentence-transformers' MultipleNegativesRankingLoss.

Issue #6: same model (all-MiniLM-L6-v2), data (news title → body, train split), batch size,
steps, learning-rate schedule and no-duplicates batching; each library trained the way its
users train it — ours through `contrastkit.api.train` (what `contrastkit train --method pairs`
runs), theirs through `SentenceTransformerTrainer` with `MultipleNegativesRankingLoss`
(scale 20 = our τ 0.05). Runs alternate (ours, theirs, theirs, ours, …) so drifting load
hits both; throughput is pairs per second of steady-state steps, reported as medians and the
median of per-round ratios. Every run gets a fresh process, so nothing one library sets for
its process (our loop's allocator setting, engine/allocator.py) reaches the other's runs. The
final models of the last round are scored on the held-out articles (MRR@10) and STS-B test.
Appends to RESULTS.md.

    .venv/bin/python -m pip install -r benchmarks/requirements.txt
    .venv/bin/python benchmarks/bench_text_mnrl.py [--steps 40] [--rounds 2] [--amp none]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import torch
from transformers import TrainerCallback  # the [text] extra; sentence-transformers needs it too

from _common import REPO, append_results, load_average
from contrastkit.api import open_run, train
from contrastkit.data.text_sources import load_text_rows
from contrastkit.engine.allocator import ENV
from contrastkit.tasks import load_config
from contrastkit.tasks.text.evaluate import pair_retrieval, sts_score
from contrastkit.text import BUILTIN, TextEncoder, builtin_model_dir

WARMUP = 3  # steps of theirs left out; ours: the first logged interval
LOG_EVERY = 10


def ours(args: argparse.Namespace, seed: int) -> tuple[list[float], Any]:
    cfg = load_config(
        overrides=[
            "method=pairs",
            "data.source=news",
            f"steps={args.steps}",
            f"seed={seed}",
            f"optim.batch_size={args.batch}",
            f"optim.lr={args.lr}",
            f"model.max_length={args.max_length}",
            f"amp={args.amp}",
            "checkpoint_every=100000",
            f"log_every={LOG_EVERY}",
            f"model.fast_dropout={not args.torch_dropout}",
            f"model.packed={not args.padded}",
        ]
    )
    with tempfile.TemporaryDirectory() as run:
        train(cfg, out=run, progress=False)
        encoder = open_run(run).encoder()
        rows = [json.loads(line) for line in (Path(run) / "metrics.jsonl").read_text().splitlines()]
    # the loop logs the throughput of each interval of LOG_EVERY steps (data, forward,
    # backward, optimiser; not the checkpoint it writes after the last step); logging every
    # step would charge ours a TensorBoard + metrics.jsonl write per step that theirs,
    # logging every 20, does not pay
    step_seconds = [args.batch / r["samples_per_second"] for r in rows]
    return step_seconds, encoder


def theirs(args: argparse.Namespace, seed: int) -> tuple[list[float], Any]:
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from sentence_transformers.training_args import BatchSamplers

    rows = load_text_rows("news", "train")
    data = Dataset.from_dict({"anchor": rows.column(0), "positive": rows.column(1)})
    model = SentenceTransformer(str(builtin_model_dir()), device="cpu")
    model.max_seq_length = args.max_length
    with tempfile.TemporaryDirectory() as out:
        training = SentenceTransformerTrainingArguments(
            output_dir=out,
            max_steps=args.steps,
            per_device_train_batch_size=args.batch,
            learning_rate=args.lr,
            weight_decay=0.01,
            warmup_ratio=0.1,
            lr_scheduler_type="cosine",
            max_grad_norm=1.0,
            batch_sampler=BatchSamplers.NO_DUPLICATES,
            bf16=args.amp == "bf16",
            use_cpu=True,
            seed=seed,
            save_strategy="no",
            report_to="none",
            logging_steps=20,
            disable_tqdm=True,
            dataloader_drop_last=True,
        )
        clock = _StepClock()
        trainer = SentenceTransformerTrainer(
            model=model,
            args=training,
            train_dataset=data,
            loss=MultipleNegativesRankingLoss(model, scale=1 / 0.05),
            callbacks=[clock],
        )
        trainer.train()
    return clock.step_seconds(), model


class _StepClock(TrainerCallback):  # type: ignore[misc]
    """Seconds between consecutive optimiser steps of the Trainer (data loading included)."""

    def __init__(self) -> None:
        self.ends: list[float] = []

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.ends = [time.perf_counter()]

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.ends.append(time.perf_counter())

    def step_seconds(self) -> list[float]:
        return [b - a for a, b in zip(self.ends, self.ends[1:], strict=False)]


RUNNERS = {"contrastkit pairs": ours, "sentence-transformers MNRL": theirs}


def _run(
    name: str, args: argparse.Namespace, seed: int, with_scores: bool
) -> tuple[list[float], dict[str, float] | None]:
    """One training run in this (fresh) process: its step seconds, and its scores if asked."""
    torch.set_num_threads(2)
    if args.default_malloc:
        os.environ[ENV] = "0"
    steps, model = RUNNERS[name](args, seed)
    return steps, score(model) if with_scores else None


def score(encoder: Any) -> dict[str, float]:
    test = load_text_rows("news", "test")
    if not isinstance(encoder, TextEncoder):
        encoder = _StEncoder(encoder)
    out = pair_retrieval(encoder, test.column(0), test.column(1), batch_size=32)
    out.update(sts_score(encoder, "test"))
    return out


class _StEncoder:
    """A SentenceTransformer behind our `encode(texts, batch_size, progress)`."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def encode(self, texts: list[str], *, batch_size: int, progress: bool = False) -> torch.Tensor:
        model = self.model
        model.max_seq_length = 256
        return model.encode(texts, batch_size=batch_size, convert_to_tensor=True).cpu()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--amp", choices=["none", "bf16"], default="none")
    parser.add_argument(
        "--torch-dropout", action="store_true", help="ours with torch's dropout (ablation)"
    )
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="ours without keep_freed_memory (engine/allocator.py), glibc as it comes (ablation)",
    )
    parser.add_argument(
        "--padded", action="store_true", help="ours without the padding-free forward (ablation)"
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    import sentence_transformers
    from sentence_transformers import SentenceTransformerTrainingArguments

    their_optim = SentenceTransformerTrainingArguments(output_dir="unused").optim.value

    # per run: the median seconds of its steps after the first WARMUP
    times: dict[str, list[float]] = {name: [] for name in RUNNERS}
    scores: dict[str, dict[str, float]] = {}
    loads = [load_average()]
    for r in range(args.rounds):
        order = list(RUNNERS) if r % 2 == 0 else list(reversed(RUNNERS))
        for name in order:
            last = r == args.rounds - 1
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                steps, scored = pool.submit(_run, name, args, r, last).result()
            skip = 1 if name.startswith("contrastkit") else WARMUP
            times[name].append(statistics.median(steps[skip:]))
            if scored is not None:
                scores[name] = scored
            loads.append(load_average())
            print(
                f"round {r} {name}: {times[name][-1]:.2f} s/step over {len(steps)} steps",
                flush=True,
            )
    for name, s in scores.items():
        print(name, s, flush=True)
    if args.no_record:
        return
    ratio = statistics.median(
        b / a
        for a, b in zip(
            times["contrastkit pairs"], times["sentence-transformers MNRL"], strict=True
        )
    )
    lines = [
        "| implementation | pairs/s | seconds per step, each run | × sentence-transformers | MRR@10 | nDCG@10 | STS-B test Spearman |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for name, ts in times.items():
        x = ratio if name.startswith("contrastkit") else 1.0
        s = scores[name]
        lines.append(
            f"| {name} | {args.batch / statistics.median(ts):.1f} | {', '.join(f'{t:.2f}' for t in ts)} | "
            f"{x:.2f} | {s['mrr@10']:.4f} | {s['ndcg@10']:.4f} | {s['sts_test_spearman']:.4f} |"
        )
    dropout = (
        "torch's (`--torch-dropout`)"
        if args.torch_dropout
        else "masks from text/fast_dropout.py (same p to 2⁻¹⁷)"
    )
    layers = (
        "padded (`--padded`)"
        if args.padded
        else "padding-free (text/packed.py: only the real tokens through the layers)"
    )
    malloc = (
        "glibc's defaults on both sides (`--default-malloc`)"
        if args.default_malloc
        else "ours keeps freed memory in the process (engine/allocator.py), theirs glibc's defaults"
    )
    body = (
        "\n".join(lines)
        + f"""

Acceptance target (issue #6): training throughput ≥ 1.2× sentence-transformers' MNRL:
{ratio:.2f}× → {"MET" if ratio >= 1.2 else "MISSED"}.

Method. {BUILTIN} (sentence-transformers {sentence_transformers.__version__}), news train
pairs (title → body), batch {args.batch}, {args.steps} steps per run, texts cut to
{args.max_length} tokens, AdamW lr {args.lr} wd 0.01, 10% warm-up then cosine, clip 1,
τ 0.05 (scale 20), no-duplicates batches, precision {args.amp}; {args.rounds} rounds, order
alternating. Dropout: ours {dropout}, theirs torch's
(`bernoulli_`); AdamW: ours fused, theirs the Trainer's default (`{their_optim}`); malloc:
{malloc}; layers: ours {layers}, theirs padded; each run in a fresh process. A run's time is the median seconds per optimiser step, data loading and
tokenization included: ours over its {LOG_EVERY}-step intervals in metrics.jsonl after the first,
theirs over its steps after the first {WARMUP} (a TrainerCallback); pairs/s = batch / the median
of the runs; "×" is the median over rounds of their time / ours. Scores of the last round's models: held-out
titles ranking all held-out bodies at 256 tokens, and STS-B test. 1-minute load average
{min(loads):.2f}–{max(loads):.2f}.
"""
    )
    append_results(REPO / "benchmarks" / "RESULTS.md", "bench_text_mnrl.py", body)


if __name__ == "__main__":
    t0 = time.perf_counter()
    torch.set_num_threads(2)
    main()
    print(f"{time.perf_counter() - t0:.0f} s")
