"""SimCLR training on Fashion-MNIST, contrastkit beside lightly: throughput and kNN accuracy.

Both train the same SmallCNN (same initial weights) with a 256 → 512 → 128 projection head,
NT-Xent τ = 0.5, batch 256, AdamW (lr 2e-3, wd 1e-4, no decay on 1-D parameters), 5% linear
warm-up then cosine, on the same sample order, with SimCLR views of the same recipe:

    contrastkit SimCLR   our training step exactly as ``engine.loop.train`` runs it (checked
                         bit for bit against it first): uint8 batch indexed from memory,
                         ``BatchedAugment.two_views`` (kornia, per-sample parameters), one
                         forward of both views, ``nt_xent``, AdamW
    lightly SimCLR       what a lightly user writes: ``SimCLRTransform`` on PIL 'L' images in a
                         torch ``DataLoader`` (workers: lightly's fastest of 0/1/2, measured
                         first), ``SimCLRProjectionHead``, ``NTXentLoss``, views forwarded
                         one after the other as in lightly's SimCLR example

The two trainings run interleaved, a chunk of steps each in turn (order rotated), for the
whole budget: every chunk is timed, so one run gives the throughput (images/s, an image being
one sample turned into two views) and the kNN accuracy after the same number of epochs.

    .venv/bin/python benchmarks/bench_simclr.py                 # 2 epochs each, appends RESULTS.md
    .venv/bin/python benchmarks/bench_simclr.py --amp native    # both under bf16 autocast (AMX…)
    .venv/bin/python benchmarks/bench_simclr.py --quick --no-append
"""

from __future__ import annotations

import argparse

import torch

from _common import (
    REPO,
    append_results,
    command_line,
    git_commit,
    load_average,
    machine_description,
    median,
    paired_ratio,
)
from _ssl_bench import (
    CPU,
    PER_EPOCH,
    Ours,
    Trainer,
    check_ours_is_the_loop,
    chunk_speeds,
    iqr,
    knn,
    load_text,
    pick_workers,
    run_interleaved,
)
from bench_methods import LightlySimCLR as Lightly
from contrastkit.engine.precision import native_bf16
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import load_image_data
from contrastkit.tasks.images.config import ImageConfig

OURS, PEER = "contrastkit SimCLR", "lightly SimCLR"
TAU = 0.5  # SimCLR's default (the paper's τ at batch 256)
KNN_NOISE = 0.005  # a kNN accuracy difference we call a tie: 0.5 points; see METHOD


def config(steps: int, amp: str = "none") -> ImageConfig:
    """Our CLI's defaults (small_cnn, 512 → 128 head, AdamW 2e-3, wd 1e-4, batch 256) with
    SimCLR's τ spelled out so lightly gets the same number; ``amp`` is both sides' precision."""
    overrides = [f"steps={steps}", f"temperature={TAU}", "device=cpu", "data.source=fashion-mnist"]
    return load_config(overrides=[*overrides, f"amp={amp}"])


# ----------------------------------------------------------------------------- report


def table(times: dict[str, list[float]], chunk: int, ratio: float, acc: dict[str, float],
          trainers: dict[str, Trainer], wall: dict[str, float]) -> str:  # fmt: skip
    lines = [
        "| implementation | images/s (median) | IQR | × lightly | kNN top-1 | epochs | steps "
        "| final loss | wall s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t in times.items():
        speed = chunk_speeds(t, chunk)  # images/s of each timed chunk
        step, loss, vs = trainers[name].step, trainers[name].loss, ratio if name == OURS else 1
        lines.append(
            f"| {name} | {median(speed):,.0f} | {iqr(speed):,.0f} | {vs:.2f} | {acc[name]:.2%} "
            f"| {step / PER_EPOCH:.2f} | {step} | {loss:.3f} | {wall[name]:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def targets(ratio: float, acc: dict[str, float]) -> str:
    gap, tie = (acc[OURS] - acc[PEER]) * 100, KNN_NOISE * 100
    knn_met = acc[OURS] >= acc[PEER] - KNN_NOISE
    return (
        "Acceptance targets (issues #3 and #19):\n"
        f"- training throughput ≥ 1.2× lightly's (#3), ≥ 2× (#19) (median of per-round ratios): "
        f"{ratio:.2f}× → {'MET' if ratio >= 1.2 else 'MISSED'} (#3), "
        f"{'MET' if ratio >= 2 else 'MISSED'} (#19)\n"
        f"- kNN top-1 ≥ lightly's − {tie:.1f} points (noise): {acc[OURS]:.2%} vs "
        f"{acc[PEER]:.2%} ({gap:+.2f} points) → {'MET' if knn_met else 'MISSED'}\n"
    )


METHOD = """\
Method. One process trains both, interleaved {chunk} steps at a time (order rotated each
round), {steps} steps each ({epochs:.2f} epochs of 60,000, batch 256): 1 warm-up chunk, then
{rounds} timed chunks, each including its data pipeline (ours: index the uint8 batch, kornia
views in the training process; lightly: its DataLoader, handed exactly that chunk's batches,
so its workers prepare nothing while ours runs and refill their pipeline at each chunk's
start). images/s = 256 × steps / chunk seconds (median, inter-quartile range); "× lightly" is
the median over rounds of t_lightly / t_ours. Same for both: SmallCNN and its initial weights,
a 256 → 512 → 128 Linear-BN-ReLU-Linear head (lightly's: both Linears bias-free and a
BatchNorm1d on its output; ours: the last Linear with a bias, no output BN), NT-Xent
τ 0.5, AdamW lr 2e-3 wd 1e-4 without decay on 1-D parameters, {warmup} warm-up steps then
cosine to 0, sample order, and the recipe (crop scale (0.2, 1), ratio (3/4, 4/3), flip 0.5,
brightness and contrast 0.4 with p 0.8, no grayscale or blur, mean 0.2860, std 0.3530). Kept
as each library does it: lightly crops one PIL image at a time with antialiasing, ours warps
the batch bilinearly; lightly forwards the views one after the other (batch-norm statistics
per view, as in its SimCLR example), ours as one batch of 512. kNN: `evaluate_encoder` (what
`contrastkit eval` runs) on both backbones in eval mode, the 60k unaugmented train images as
the bank, k 200, τ 0.1, 10k test images; {tie:.1f} points count as a tie (the binomial standard
error near 85% on 10k images is 0.36 points). torch's default {threads} intra-op threads for
both; DataLoader workers use one each. Precision: {precision}.
"""

PRECISION = {
    "none": "float32 on both sides",
    "bf16": "bf16 autocast of the forward and loss on both sides (ours: the loop's `amp=bf16`, "
    "its losses computed in float32; lightly: `torch.autocast('cpu', torch.bfloat16)` around "
    "its forward and loss, what Lightning's `precision='bf16-mixed'` does), backward and "
    "AdamW outside it",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="150 steps in chunks of 15")
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--epochs", type=float, default=2.0, help="training epochs (default 2)")
    parser.add_argument("--chunk", type=int, default=None, help="steps per chunk (default 18)")
    parser.add_argument("--lightly-workers", default="auto", help="0, 1, 2 … or auto (fastest)")
    parser.add_argument("--amp", choices=["none", "bf16", "native"], default="none",
                        help="both sides' precision; native: bf16 where the CPU has AMX or "
                        "AVX512-BF16, else nothing to run")  # fmt: skip
    args = parser.parse_args(argv)

    if args.amp == "native":
        if not native_bf16(CPU):
            print("This CPU has no native bf16: the float32 run is the comparison.")
            return
        args.amp = "bf16"
    chunk = args.chunk or (15 if args.quick else 18)
    rounds = max(2, round((150 if args.quick else args.epochs * PER_EPOCH) / chunk)) - 1
    steps = chunk * (rounds + 1)
    print(f"# {command_line()}\n# commit {git_commit()}\n# {machine_description()}", flush=True)
    loads = [load_average()]
    check_ours_is_the_loop(config(3, args.amp), load_image_data(config(3)))
    setup = ["- `Ours` checked: 3 steps end with bit-identical weights to `engine.loop.train`'s"]
    print(setup[0], flush=True)

    cfg = config(steps, args.amp)
    data = load_image_data(cfg)
    if args.lightly_workers == "auto":
        workers, speeds = pick_workers(
            lambda w: Lightly(config(1000, args.amp), data, w),
            chunk=4 if args.quick else 8,
            rounds=2,
        )
        probe = ", ".join(f"{w}: {v:,.0f}" for w, v in speeds.items())
        setup.append(f"- lightly's DataLoader: {workers} worker(s), its fastest (images/s {probe})")
    else:
        workers = int(args.lightly_workers)
        setup.append(f"- lightly's DataLoader: {workers} worker(s) (--lightly-workers)")
    print(setup[-1], flush=True)

    ours, peer = Ours(cfg, data), Lightly(cfg, data, workers)
    trainers: dict[str, Trainer] = {OURS: ours, PEER: peer}
    times, wall = run_interleaved(trainers, chunk=chunk, rounds=rounds, steps=steps, loads=loads)
    ratio = paired_ratio(times[PEER], times[OURS])  # t_lightly / t_ours = speed-up of ours
    ours.method.eval()
    peer.model.eval()
    acc = {OURS: knn(ours.embed, cfg, data), PEER: knn(peer.backbone, cfg, data)}
    loads.append(load_average())

    method = METHOD.format(
        chunk=chunk, steps=steps, epochs=steps / PER_EPOCH, rounds=rounds,
        warmup=ours.settings.warmup_steps, tie=KNN_NOISE * 100, threads=torch.get_num_threads(),
        precision=PRECISION[args.amp],
    )  # fmt: skip
    body = table(times, chunk, ratio, acc, trainers, wall) + "\n" + targets(ratio, acc)
    body += "\n" + "\n".join(setup) + f"\n\n{load_text(loads)}\n\n{method}"
    print("\n" + body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_simclr.py", body)
        print("# appended to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
