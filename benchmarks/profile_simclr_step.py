"""Where the SimCLR step's time goes on this CPU (issue #19): the demo recipe
(`configs/simclr.yaml`: small CNN keeping its 4×4 map, batch 256, AdamW, on-device batched
augmentation), each phase of a step timed on its own over `--steps` steps after warm-up:

    data        the stream's next batch: index the uint8 images, augment both views (kornia)
    forward     backbone + projection on the 2B views
    loss        NT-Xent forward
    backward    loss.backward() through loss, projection and backbone
    optimiser   AdamW step + zero_grad

float32 and, where the CPU has native bf16, bf16 autocast (the loss in float32). The phases
run back to back in one thread of control, so their sum is the step; medians per phase.

    .venv/bin/python benchmarks/profile_simclr_step.py [--steps 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from _common import REPO, append_results, load_average
from contrastkit.engine.build import optimizer_of, resolve_device
from contrastkit.engine.precision import native_bf16
from contrastkit.tasks import load_config
from contrastkit.tasks.images.task import TASK

PHASES = ("data", "forward", "loss", "backward", "optimiser")


def profile(amp: bool, steps: int) -> dict[str, float]:
    cfg = load_config(REPO / "configs" / "simclr.yaml", ["device=cpu", "monitor.every=0"])
    device = resolve_device("cpu")
    parts = TASK.build(cfg, device, fresh=True)
    method, stream = parts.method, parts.stream
    optimizer = optimizer_of(cfg, method)
    batches = stream.epoch(0)
    times: dict[str, list[float]] = {p: [] for p in PHASES}
    for step in range(steps + 3):
        t0 = time.perf_counter()
        views = next(batches)
        t1 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
            z = method.projection(method.backbone(torch.cat([views.first, views.second])))
        t2 = time.perf_counter()
        z1, z2 = z.float().chunk(2)
        loss = method.criterion(z1, z2)
        t3 = time.perf_counter()
        loss.backward()
        t4 = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        t5 = time.perf_counter()
        if step >= 3:  # warm-up: first-call allocations and kernel choices
            for name, a, b in zip(PHASES, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5), strict=True):
                times[name].append(1000 * (b - a))
    return {p: statistics.median(v) for p, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    loads = [load_average()]
    variants = {"float32": False}
    if native_bf16(resolve_device("cpu")):
        variants["bf16 autocast"] = True
    rows = {name: profile(amp, args.steps) for name, amp in variants.items()}
    loads.append(load_average())
    lines = [
        "| variant | " + " | ".join(f"{p} ms" for p in PHASES) + " | step ms | images/s |",
        "|---|" + "---:|" * (len(PHASES) + 2),
    ]
    for name, r in rows.items():
        total = sum(r.values())
        shares = " | ".join(f"{r[p]:.1f} ({100 * r[p] / total:.0f}%)" for p in PHASES)
        lines.append(f"| {name} | {shares} | {total:.1f} | {256 / total * 1000:,.0f} |")
    body = "\n".join(lines) + (
        f"\n\nBatch 256 (two views: 512 images through the network), {args.steps} steps after 3 of "
        f"warm-up, medians per phase; 1-minute load average {min(loads):.2f}–{max(loads):.2f}.\n"
    )
    print(body)
    if not args.no_append:
        append_results(Path(REPO) / "benchmarks" / "RESULTS.md", "profile_simclr_step.py", body)


if __name__ == "__main__":
    main()
