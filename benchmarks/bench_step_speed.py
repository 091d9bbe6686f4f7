"""The demo's SimCLR step in three precisions/layouts: float32 NCHW, channels-last, + bf16.

One process, the same 40-step `contrastkit.api.train` (demo recipe, monitor off) per variant, variants
alternating for --rounds rounds; images/s from each run's own loop timing. Appends to
RESULTS.md. bf16 rows are skipped where the machine has no native bf16.

    .venv/bin/python benchmarks/bench_step_speed.py [--rounds 2] [--steps 40]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from _common import REPO, append_results, load_average
from contrastkit.api import train
from contrastkit.engine.build import resolve_device
from contrastkit.engine.precision import native_bf16
from contrastkit.tasks import load_config

RECIPE = ["temperature=0.1", "data.crop_scale=[0.5, 1.0]", "monitor.every=0", "device=cpu"]
VARIANTS = {
    "float32, NCHW": ["model.channels_last=false"],
    "float32, channels-last": ["model.channels_last=true"],
    "bf16 autocast, channels-last": ["model.channels_last=true", "amp=bf16"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    variants = dict(VARIANTS)
    if not native_bf16(resolve_device("cpu")):
        variants.pop("bf16 autocast, channels-last")
    speed: dict[str, list[float]] = {name: [] for name in variants}
    loads = [load_average()]
    for _ in range(args.rounds):
        for name, extra in variants.items():
            cfg = load_config(overrides=[f"steps={args.steps}", *RECIPE, *extra])
            with tempfile.TemporaryDirectory() as run:
                speed[name].append(train(cfg, out=run, progress=False).samples_per_second)
            loads.append(load_average())
            print(f"{name}: {speed[name][-1]:.0f} images/s", flush=True)
    if args.no_record:
        return
    base = statistics.median(speed["float32, NCHW"])
    lines = ["| step | images/s, each round | median | × float32 NCHW |", "|---|---|---:|---:|"]
    for name, values in speed.items():
        m = statistics.median(values)
        each = ", ".join(f"{v:,.0f}" for v in values)
        lines.append(f"| {name} | {each} | {m:,.0f} | {m / base:.2f} |")
    body = (
        "\n".join(lines)
        + f"""

The SimCLR step of `contrastkit demo` (small CNN, batch 256, kornia views, NT-Xent τ 0.1,
AdamW) on the CPU: {args.steps} steps of `contrastkit.api.train` per variant, monitor off, variants
alternating over {args.rounds} rounds in one process; images/s is the loop's own figure
(TrainResult). Channels-last is a memory layout (same values, same state dict); bf16 is
autocast with the loss in float32. 1-minute load average {min(loads):.2f}–{max(loads):.2f}.
"""
    )
    append_results(REPO / "benchmarks" / "RESULTS.md", "bench_step_speed.py", body)


if __name__ == "__main__":
    main()
