"""SimCLR on Fashion-MNIST for many epochs through the real CLI: how far does kNN accuracy go?

Runs `contrastkit train --config configs/simclr.yaml [--epochs E]` into a run directory (with
`--resume auto`, so a killed benchmark continues where it stopped), then `contrastkit eval`
(weighted kNN, k = 200, τ = 0.1, bank = the 60k train images; linear probe) on the 10k test
images, and appends epochs, wall time, throughput and both accuracies to RESULTS.md.

    .venv/bin/python benchmarks/bench_simclr_long.py              # the config's epochs
    .venv/bin/python benchmarks/bench_simclr_long.py --epochs 30

Mixed precision: bf16 where the machine has it natively (CUDA, or CPUs with AVX512-BF16/AMX),
unless `--set amp=...` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import (
    REPO,
    append_results,
    command_line,
    git_commit,
    load_average,
    machine_description,
)
from contrastkit.cli import main as cli
from contrastkit.engine.build import resolve_device
from contrastkit.engine.precision import native_bf16

TARGET = 0.88  # issue #3: SimCLR reaches >= 88% kNN accuracy on the Fashion-MNIST test set
HOUR_TARGET = 0.90  # issue #19: >= 90% at k = 200 in a budget that fits one CPU hour


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="default: the config's")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench-simclr-long")
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "simclr.yaml")
    parser.add_argument("--set", action="append", default=[], help="extra key=value settings")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()

    header = f"# {command_line()}\n# commit {git_commit()}\n# {machine_description()}"
    print(header, flush=True)
    if not any(kv.startswith("amp=") for kv in args.set) and native_bf16(resolve_device("auto")):
        args.set.append("amp=bf16")  # ~2x where bf16 is native (engine/precision.py)
    overrides = [x for kv in args.set for x in ("--set", kv)]
    started, load_before = time.perf_counter(), load_average()
    train = ["train", "--config", str(args.config)]
    if args.epochs is not None:
        train += ["--epochs", str(args.epochs)]
    code = cli([*train, "--out", str(args.out), "--resume", "auto", *overrides])
    if code != 0:
        raise SystemExit(code)
    wall = time.perf_counter() - started
    # solo-learn's and DINO's k = 20 first, then the run's own vote (InstDisc/lightly's k =
    # 200) and the probe, whose eval.json stays in the run
    knn20 = evaluate(args.out, "--knn-k", "20", "--no-probe")["knn_accuracy"]
    report = evaluate(args.out)
    whole = time.perf_counter() - started  # training and both evaluations
    config = json.loads((args.out / "config.json").read_text())
    rows = [json.loads(line) for line in (args.out / "metrics.jsonl").read_text().splitlines()]
    rates = sorted(r["samples_per_second"] for r in rows if "samples_per_second" in r)

    knn, probe = report["knn_accuracy"], report["probe_accuracy"]
    body = (
        "| epochs | steps | batch | τ | backbone | wall s (this invocation) | with eval s "
        "| median img/s | kNN acc | kNN acc, k = 20 | linear probe |\n"
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n"
        f"| {config['epochs']} | {rows[-1]['step']} | {config['optim']['batch_size']} "
        f"| {config['temperature']} | {config['model']['backbone']} | {wall:,.0f} | {whole:,.0f} "
        f"| {rates[len(rates) // 2]:,.0f} | {knn:.2%} | {knn20:.2%} | {probe:.2%} |\n\n"
        f"Acceptance target: kNN ≥ {TARGET:.0%} on the 10k test images: {knn:.2%} → "
        f"{'MET' if knn >= TARGET else 'MISSED'} (#3); ≥ {HOUR_TARGET:.0%} with training and "
        f"evaluation within one hour: {knn:.2%} in {whole / 60:.1f} min → "
        f"{'MET' if knn >= HOUR_TARGET and whole <= 3600 else 'MISSED'} (#19)\n\n"
        f"Settings: `{args.config.relative_to(REPO)}`"
        f"{f' with `--epochs {args.epochs}`' if args.epochs is not None else ''}"
        f"{' ' + ' '.join(overrides) if overrides else ''}. kNN: weighted vote (InstDisc), "
        f"k = {config['eval']['knn_k']} (and 20), τ = {config['eval']['knn_temperature']}, "
        f"bank = the 60k train images without augmentation, on the {report['feature_dim']}-d "
        "backbone features; probe: L-BFGS "
        "logistic regression on the same features. 1-minute load average before/after: "
        f"{load_before:.2f}/{load_average():.2f}. Wall time covers only this invocation "
        "(a resumed run counts its last session).\n"
    )
    print("\n" + body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_simclr_long.py", body)


def evaluate(run: Path, *options: str) -> dict:
    """``contrastkit eval --run RUN OPTIONS``; its eval.json."""
    if cli(["eval", "--run", str(run), *options]) != 0:
        raise SystemExit("evaluation failed")
    return json.loads((run / "eval.json").read_text())


if __name__ == "__main__":
    main()
