"""Overhead of monitoring in the loop: ``engine.loop.train`` with the monitor at its default
interval against the same loop with monitoring off.

Both candidates are the real loop on Fashion-MNIST with the CLI's defaults (SimCLR, small
CNN, 512 → 128 head, AdamW) except the batch, 128 instead of 256 so a run fits the time
budget (the probe costs a forward of both views of one batch, a training step a forward
and a backward of them: the ratio hardly depends on the batch). One run is one call of
``train`` for ``monitor.every`` steps (default 50), so a monitored run makes exactly one
probe check — the default rate, with the collapse rules — and the step-50 metrics row and
final checkpoint come in both. Runs alternate (on off, off on, …: the A B B A order
cancels a drift in load) and each reports images/s over its whole loop; we give medians and
the median over rounds of the per-round ratio.

As a cross-check with less noise, the script also times ``Monitor.observe`` alone (median
of 5 on the trained model) and divides by the median time of ``every`` training steps.

    .venv/bin/python benchmarks/bench_monitoring.py               # 4 rounds (~4 min on 2 busy cores)
    .venv/bin/python benchmarks/bench_monitoring.py --rounds 1 --no-append
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from _common import (
    REPO,
    append_results,
    command_line,
    git_commit,
    load_average,
    machine_description,
    median,
)
from contrastkit.engine.build import loop_settings
from contrastkit.engine.loop import TrainResult, train
from contrastkit.engine.monitor import Monitor
from contrastkit.engine.optim import build_optimizer
from contrastkit.engine.stream import BatchStream
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import ImageData, build_method, build_stream, load_image_data
from contrastkit.tasks.images.config import ImageConfig
from contrastkit.tasks.images.monitor import build_monitor

CPU = torch.device("cpu")
EVERY = ImageConfig().monitor.every  # the default interval
ON, OFF = f"monitor every {EVERY}", "monitor off"


@dataclass(frozen=True)
class Run:
    result: TrainResult
    monitor: Monitor | None
    method: nn.Module
    stream: BatchStream


def config(batch: int) -> ImageConfig:
    return load_config(
        overrides=[
            "device=cpu",
            f"optim.batch_size={batch}",
            f"steps={EVERY}",
            "checkpoint_every=100000",
            "data.max_samples=20000",  # load less; 50 steps of 128 use 6,400 images
        ]
    )


def one_run(cfg: ImageConfig, data: ImageData, monitored: bool) -> Run:
    """``train`` from scratch for ``cfg.steps`` steps, as ``engine.run.train_run`` builds it
    for the image task."""
    torch.manual_seed(cfg.seed)
    method = build_method(cfg, data.channels, data.image_size)
    stream = build_stream(cfg, data, CPU)
    optimizer = build_optimizer(
        method, cfg.optim.name, lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay
    )
    settings = loop_settings(cfg, len(stream.batches), method, progress=False)
    info = {
        "channels": data.channels,
        "image_size": data.image_size,
        "mean": list(data.recipe.mean),
        "std": list(data.recipe.std),
    }
    monitor = (
        build_monitor(cfg, stream, info, CPU, warmup_steps=settings.warmup_steps)
        if monitored
        else None
    )
    with tempfile.TemporaryDirectory() as run_dir:
        result = train(
            method,
            stream,
            optimizer,
            settings,
            Path(run_dir),
            device=CPU,
            config_json=cfg.model_dump_json(),
            monitor=monitor,
        )
    return Run(result, monitor, method, stream)


def probe_seconds(run: Run, repeats: int = 5) -> float:
    """Median seconds of one ``Monitor.observe`` on a monitored run's trained model."""
    assert run.monitor is not None
    out = run.method.training_step(next(iter(run.stream.epoch(0))))  # type: ignore[operator]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run.monitor.observe(run.method, run.monitor.every, out, {"loss": float(out.loss.detach())})
        times.append(time.perf_counter() - start)
    return median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="timed rounds (one run each)")
    parser.add_argument("--batch", type=int, default=128, help="batch size per step")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"# {command_line()}\n# commit {git_commit()}\n# {machine_description()}", flush=True)

    cfg = config(args.batch)
    data = load_image_data(cfg)
    ips: dict[str, list[float]] = {ON: [], OFF: []}
    seconds: dict[str, list[float]] = {ON: [], OFF: []}
    loads, monitored = [load_average()], None
    wall = time.perf_counter()
    for r in range(args.rounds):
        for name in (ON, OFF) if r % 2 == 0 else (OFF, ON):
            run = one_run(cfg, data, monitored=name == ON)
            monitored = run if name == ON else monitored
            ips[name].append(run.result.samples_per_second)
            seconds[name].append(run.result.seconds)
            print(f"round {r + 1} {name:>16}: {ips[name][-1]:7.1f} images/s", flush=True)
        loads.append(load_average())
    assert monitored is not None
    probe = probe_seconds(monitored)
    wall = time.perf_counter() - wall

    ratio = statistics.median(a / b for a, b in zip(ips[ON], ips[OFF], strict=True))
    steps = cfg.steps or 0
    derived = probe / median(seconds[OFF])  # one probe per `steps` steps
    body = "\n".join(
        [
            f"SimCLR on Fashion-MNIST, small CNN, 512 → 128 head, batch {args.batch}, "
            f"{args.threads} thread(s); each run is `train` for {steps} steps (the default "
            f"`monitor.every`), {args.rounds} rounds alternating ON/OFF; load average "
            f"{min(loads):.1f}–{max(loads):.1f}; {wall:.0f} s in all.",
            "",
            "| candidate | images/s (median) | runs |",
            "| --- | ---: | ---: |",
            f"| {OFF} | {median(ips[OFF]):.1f} | {len(ips[OFF])} |",
            f"| {ON} | {median(ips[ON]):.1f} | {len(ips[ON])} |",
            "",
            f"- throughput ratio ON/OFF, median over rounds: **{ratio:.3f}** "
            f"(overhead {100 * (1 - ratio):.1f}%; target < 5%)",
            f"- one probe check (`Monitor.observe`, median of 5): {1000 * probe:.0f} ms; "
            f"{steps} training steps: {median(seconds[OFF]):.1f} s → derived overhead "
            f"{100 * derived:.2f}%",
        ]
    )
    print("\n" + body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_monitoring.py", body)
        print("# appended to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
