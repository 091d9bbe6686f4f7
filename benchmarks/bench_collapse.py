"""The collapse detector on real runs (issue #5): a deliberately collapsing run is flagged
early, a healthy run with the same settings is not.

Two short runs on Fashion-MNIST through the CLI (``contrastkit.cli.main``), identical except
the method: (a) SimSiam with ``method_options.predictor=false`` — the paper's Table 1
ablation, which collapses — and (b) SimCLR. Both: the first ``--samples`` training images,
batch ``--batch``, ``--steps`` steps, small CNN with the default 512 → 128 head, AdamW at a
*constant* learning rate (``optim.final_lr`` = ``optim.lr``: under the default cosine decay
a short SimSiam-without-predictor run can drift back out of collapse as the LR falls, see
engine/collapse.py), probe check every ``--every`` steps with the default patience of 3
checks, ``monitor.stop_on_collapse`` off so both runs go the full length and their curves
can be compared. Then ``contrastkit eval --no-probe`` (kNN, bank capped at
``eval.max_train``) and ``contrastkit report`` on each.

The table gives the first step whose metrics row has ``collapse`` = 1 ("never" if none),
the last probe check's effective rank, std of L2-normalised rows × √D, uniformity and loss,
the kNN top-1 and the report's path.

    nice -n 5 .venv/bin/python benchmarks/bench_collapse.py            # ~25 min on 2 busy cores
    nice -n 5 .venv/bin/python benchmarks/bench_collapse.py --steps 80 --every 5 --max-train 2000
    .venv/bin/python benchmarks/bench_collapse.py --steps 40 --every 5 --no-append  # smoke
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from _common import (
    REPO,
    append_results,
    command_line,
    git_commit,
    load_average,
    machine_description,
)
from contrastkit.cli import main as cli

RUNS = {
    "SimSiam, no predictor (collapsing)": [
        "--method", "simsiam", "--set", "method_options.predictor=false",
    ],
    "SimCLR (healthy)": ["--method", "simclr"],
}  # fmt: skip


def common_args(a: argparse.Namespace) -> list[str]:
    sets = [
        f"data.max_samples={a.samples}",
        f"optim.batch_size={a.batch}",
        f"optim.lr={a.lr}",
        f"optim.final_lr={a.lr}",  # constant LR after warm-up
        f"monitor.every={a.every}",
        "monitor.collapse_patience=3",
        "monitor.stop_on_collapse=false",
        f"eval.max_train={a.max_train}",
        f"log_every={a.every}",
        f"checkpoint_every={a.steps}",
        "keep_checkpoints=1",
    ]
    return [
        "--data", "fashion-mnist", "--device", "cpu", "--steps", str(a.steps), "--quiet",
        *[x for s in sets for x in ("--set", s)],
    ]  # fmt: skip


def rows_of(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def summarise(run: Path, dim: int) -> dict[str, object]:
    rows = rows_of(run)
    probes = [r for r in rows if "collapse" in r]
    flagged = [int(r["step"]) for r in probes if r["collapse"] == 1.0]
    last = probes[-1] if probes else {}
    losses = [r for r in rows if "loss" in r]
    knn = None
    if (run / "eval.json").exists():
        knn = json.loads((run / "eval.json").read_text()).get("knn_accuracy")
    return {
        "first": flagged[0] if flagged else None,
        "n_flagged": len(flagged),
        "n_checks": len(probes),
        "rank": last.get("probe_effective_rank", math.nan),
        "spread": last.get("probe_std_normalized", math.nan) * math.sqrt(dim),
        "uniformity": last.get("probe_uniformity", math.nan),
        "loss": losses[-1]["loss"] if losses else math.nan,
        "knn": knn,
        "step": int(last.get("step", 0)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--samples", type=int, default=5000, help="data.max_samples")
    parser.add_argument("--lr", type=float, default=4e-3, help="constant learning rate")
    parser.add_argument("--every", type=int, default=10, help="monitor.every")
    parser.add_argument("--max-train", type=int, default=5000, help="kNN bank size")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "bench_collapse")
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"# {command_line()}\n# commit {git_commit()}\n# {machine_description()}", flush=True)

    dim = 128  # model.projection_dim default
    results, loads, wall = {}, [load_average()], time.perf_counter()
    for i, (name, method_args) in enumerate(RUNS.items()):
        run = args.out / ("a_simsiam_no_predictor" if i == 0 else "b_simclr")
        start = time.perf_counter()
        rc = cli(["train", "--out", str(run), *common_args(args), *method_args])
        assert rc == 0, f"train of {name} exited with {rc}"
        t_train = time.perf_counter() - start
        rc = cli(["eval", "--run", str(run), "--no-probe", "--device", "cpu", "--quiet"])
        assert rc == 0, f"eval of {name} exited with {rc}"
        rc = cli(["report", "--run", str(run), "--device", "cpu", "--quiet",
                  "--max-test", "1000", "--max-train", str(args.max_train), "--projection", "pca"])  # fmt: skip
        assert rc == 0, f"report of {name} exited with {rc}"
        results[name] = {**summarise(run, dim), "seconds": t_train,
                         "report": run / "report" / "report.html"}  # fmt: skip
        loads.append(load_average())
        print(f"{name}: {results[name]}", flush=True)
    wall = time.perf_counter() - wall

    def rel(p: Path) -> str:
        try:
            return str(p.relative_to(REPO))
        except ValueError:
            return str(p)

    lines = [
        f"Fashion-MNIST, first {args.samples} training images, batch {args.batch}, "
        f"{args.steps} steps ({args.steps * args.batch / args.samples:.1f} epochs), small CNN, "
        f"512 → {dim} head, AdamW at a constant lr {args.lr:g} after the default warm-up, probe "
        f"check every {args.every} steps, collapse patience 3, no stop on collapse; "
        f"{args.threads} thread(s); load average {min(loads):.1f}–{max(loads):.1f}; "
        f"{wall:.0f} s in all. kNN: k 200, τ 0.1, bank = first {args.max_train} train images, "
        "10k test images.",
        "",
        "| run | first step flagged | checks flagged | effective rank | std·√D | uniformity "
        "| loss | kNN top-1 | train s | report |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        first = "never" if r["first"] is None else str(r["first"])
        knn = "—" if r["knn"] is None else f"{100 * r['knn']:.2f}%"
        lines.append(
            f"| {name} | {first} | {r['n_flagged']}/{r['n_checks']} | {r['rank']:.2f} "
            f"| {r['spread']:.3f} | {r['uniformity']:.2f} | {r['loss']:.3f} | {knn} "
            f"| {r['seconds']:.0f} | `{rel(r['report'])}` |"
        )
    a, b = results.values()
    ok_a = a["first"] is not None
    ok_b = b["first"] is None
    epoch_steps = args.samples / args.batch
    lines += [
        "",
        "Rank, std·√D, uniformity: the last probe check (step "
        f"{a['step']}); loss: the last metrics row.",
        "",
        f"- collapsing run flagged: {'yes' if ok_a else 'NO'}"
        + (f", at step {a['first']} (epoch {a['first'] / epoch_steps:.1f})" if ok_a else ""),
        f"- healthy run never flagged: {'yes' if ok_b else 'NO'}",
    ]
    body = "\n".join(lines)
    print("\n" + body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_collapse.py", body)
        print("# appended to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
