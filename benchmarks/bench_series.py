"""Time-series representations on the 8 classification sets aeon ships (issue #17): our
encoder + a linear classifier, with and without the temporal exclusion window, beside 1-NN
Euclidean, 1-NN DTW and MiniRocket + the same linear classifier, all run here.

Every method sees the same arrays: each set's series as the archive has them (the univariate
sets come z-normalised; the multivariate ones' channel levels carry the class, so they are
left alone), padded at the end with their last value to one length across both splits. Ours:
`series_contrast` (dilated-conv encoder, 64 hidden, 6 blocks, 128-d) for `--steps` steps of
batch 16 = 4 series × 4 crops, τ 0.1, AdamW 1e-3; the window variant excludes crops of the
same series that start within one crop length of each other (so a series is never its own
negative), the w = 0 variant keeps them as negatives. Scored by the UCR protocol: fitted on
the train split, accuracy on the test split (linear classifier: L-BFGS logistic regression on
frozen features, the same for MiniRocket's features). The peers run in `.venv-aeon` (aeon +
numba; `benchmarks/ucr_peers.py`).

    .venv/bin/python benchmarks/bench_series.py [--steps 100] [--seeds 0 1 2] [--sets …]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from _common import REPO, append_results, load_average
from contrastkit.api import open_run, train
from contrastkit.data.series import load_series
from contrastkit.evaluation import knn_accuracy, linear_probe

SETS = [
    "ACSF1", "ArrowHead", "BasicMotions", "GunPoint", "ItalyPowerDemand",
    "JapaneseVowels", "OSULeaf", "PickupGestureWiimoteZ",
]  # fmt: skip
PEERS_PYTHON = REPO / ".venv-aeon" / "bin" / "python"


def _pad(x: torch.Tensor, length: int) -> torch.Tensor:
    return torch.cat([x, x[:, :, -1:].expand(-1, -1, length - x.shape[-1])], dim=2)


def write_arrays(work: Path, name: str) -> int:
    """``name``.npz + ``name``_TEST.npz (our reader) and ``name``.peers-input (the peers')."""
    train, test = load_series(f"ucr:{name}", "train"), load_series(f"ucr:{name}", "test")
    length = max(train.series.shape[-1], test.series.shape[-1])
    x = {s: _pad(d.series, length) for s, d in (("train", train), ("test", test))}
    y = {"train": train.labels, "test": test.labels}
    np.savez(work / f"{name}.npz", series=x["train"].numpy(), labels=y["train"].numpy())
    np.savez(work / f"{name}_TEST.npz", series=x["test"].numpy(), labels=y["test"].numpy())
    peers = {f"{s}_{k}": v[s].numpy() for s in ("train", "test") for k, v in (("x", x), ("y", y))}
    np.savez(work / f"peers-{name}.npz", **peers)
    return length


def probe(train_x, train_y, test_x, test_y) -> float:
    return 100 * linear_probe(train_x, train_y, test_x, test_y, epochs=100).test_accuracy


def ours(work: Path, name: str, seed: int, window: bool, steps: int) -> dict[str, float]:
    length = int(np.load(work / f"{name}.npz")["series"].shape[-1])
    crop = max(2, round(0.8 * length))
    settings = {
        "task": "series",
        "steps": steps,
        "seed": seed,
        "log_every": 1000,
        "data": {
            "source": f"series:{work / name}.npz",
            "crops_per_series": 4,
            "standardize": False,  # as the archive has them, like the peers
        },
        "negatives": {"exclusion_window": float(crop) if window else 0.0},
    }
    out = work / f"run-{name}-{seed}-{int(window)}"
    started = time.perf_counter()
    train(settings, out=out, progress=False)
    seconds = time.perf_counter() - started
    encoder = open_run(out).encoder()
    data = {s: load_series(f"series:{work / name}.npz", s) for s in ("train", "test")}
    fx = {s: encoder.encode(d.series) for s, d in data.items()}
    y = {s: d.labels for s, d in data.items()}
    return {
        "linear": probe(fx["train"], y["train"], fx["test"], y["test"]),
        "1nn": 100 * knn_accuracy(fx["train"], y["train"], fx["test"], y["test"], k=1),
        "seconds": seconds,
        "series_per_s": steps * 16 / seconds,
    }


def minirocket(work: Path, name: str) -> float:
    with np.load(work / f"peers-{name}.minirocket.npz") as f:
        train_x, test_x = (torch.from_numpy(f[s]).float() for s in ("train", "test"))
    with np.load(work / f"peers-{name}.npz") as f:
        train_y, test_y = (torch.from_numpy(f[s]).long() for s in ("train_y", "test_y"))
    return probe(train_x, train_y, test_x, test_y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--sets", nargs="+", default=SETS)
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()
    if not PEERS_PYTHON.exists():
        raise SystemExit(
            "the peers need .venv-aeon: python3 -m venv .venv-aeon && .venv-aeon/bin/pip install aeon"
        )
    started, loads = time.perf_counter(), [load_average()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lengths = {name: write_arrays(work, name) for name in args.sets}
        peer_names = [f"peers-{n}" for n in args.sets]
        subprocess.run(
            [str(PEERS_PYTHON), str(REPO / "benchmarks" / "ucr_peers.py"), tmp, *peer_names],
            check=True,
        )
        for name in args.sets:
            peers = json.loads((work / f"peers-{name}.peers.json").read_text())
            runs = {
                w: [ours(work, name, s, w, args.steps) for s in args.seeds] for w in (False, True)
            }
            loads.append(load_average())
            row = {
                "set": name,
                "length": lengths[name],
                "euclidean": 100 * peers["1nn_euclidean"],
                "dtw": 100 * peers["1nn_dtw"],
                "minirocket": minirocket(work, name),
                **{f"w{int(w)}": [r["linear"] for r in rs] for w, rs in runs.items()},
                **{f"w{int(w)}_1nn": [r["1nn"] for r in rs] for w, rs in runs.items()},
                "series_per_s": statistics.median(
                    r["series_per_s"] for rs in runs.values() for r in rs
                ),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    body = table(rows, args)
    body += (
        f"\n\n{args.steps} steps a run, seeds {', '.join(map(str, args.seeds))}. Whole run "
        f"{(time.perf_counter() - started) / 60:.1f} min; 1-minute load average "
        f"{min(loads):.2f}–{max(loads):.2f}.\n"
    )
    print(body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_series.py", body)


def _ms(xs: list[float]) -> str:
    return f"{statistics.fmean(xs):.1f} ± {statistics.stdev(xs) if len(xs) > 1 else 0:.1f}"


def table(rows: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "| set | length | ours w = 0 (linear) | ours w > 0 (linear) | ours w > 0 (1-NN) | 1-NN Euclidean | 1-NN DTW | MiniRocket + linear | series/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['set']} | {r['length']} | {_ms(r['w0'])} | {_ms(r['w1'])} | {_ms(r['w1_1nn'])} "
            f"| {r['euclidean']:.1f} | {r['dtw']:.1f} | {r['minirocket']:.1f} | {r['series_per_s']:.0f} |"
        )

    def mean(key: str) -> float:
        return statistics.fmean(
            statistics.fmean(r[key]) if isinstance(r[key], list) else r[key] for r in rows
        )

    lines.append(
        f"| **mean** | | {mean('w0'):.1f} | {mean('w1'):.1f} | {mean('w1_1nn'):.1f} | {mean('euclidean'):.1f} "
        f"| {mean('dtw'):.1f} | {mean('minirocket'):.1f} | |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
