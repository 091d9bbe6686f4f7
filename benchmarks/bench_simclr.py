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
    .venv/bin/python benchmarks/bench_simclr.py --quick --no-append
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from _common import (
    REPO,
    append_results,
    command_line,
    git_commit,
    interleave,
    load_average,
    machine_description,
    median,
    paired_ratio,
)
from contrastkit.augment import EvalTransform
from contrastkit.data import ImageArrays
from contrastkit.engine import rng
from contrastkit.engine.build import (
    ImageData,
    build_method,
    build_stream,
    load_eval_data,
    load_image_data,
    loop_settings,
)
from contrastkit.engine.config import TrainConfig, load_config
from contrastkit.engine.evaluate import evaluate_encoder
from contrastkit.engine.loop import LoopSettings, train
from contrastkit.engine.optim import build_optimizer, set_lr
from contrastkit.engine.schedules import warmup_cosine
from contrastkit.nn import build_backbone

OURS, PEER = "contrastkit SimCLR", "lightly SimCLR"
CPU = torch.device("cpu")
BATCH, PER_EPOCH = 256, 60_000 // 256  # the CLI's default batch; full batches per epoch
TAU = 0.5  # SimCLR's default (the paper's τ at batch 256)
KNN_NOISE = 0.005  # a kNN accuracy difference we call a tie: 0.5 points; see METHOD
T = TypeVar("T")


def config(steps: int) -> TrainConfig:
    """Our CLI's defaults (small_cnn, 512 → 128 head, AdamW 2e-3, wd 1e-4, batch 256) with
    SimCLR's τ spelled out so lightly gets the same number."""
    overrides = [f"steps={steps}", f"temperature={TAU}", "device=cpu", "data.source=fashion-mnist"]
    return load_config(overrides=overrides)


class Ours:
    """contrastkit's training, driven ``n`` steps at a time; each step is the body of
    ``engine.loop.train`` without its logging, monitor and checkpoints (the disabled
    GradScaler's calls are no-ops and left out)."""

    def __init__(self, cfg: TrainConfig, data: ImageData) -> None:
        torch.manual_seed(cfg.seed)  # as train_run: identical initial weights
        self.method = build_method(cfg, data.channels, data.image_size).train()
        self.embed = cast(Callable[[torch.Tensor], torch.Tensor], self.method.embed)  # h = f(x)
        self.stream = build_stream(cfg, data, CPU)
        self.optimizer = build_optimizer(
            self.method, "adamw", lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay
        )
        self.settings = loop_settings(cfg, len(self.stream.batches), progress=False)
        self.views, self.step, self.loss = endless(self.stream.epoch), 0, math.nan

    def run(self, n: int) -> None:
        s = self.settings
        for _ in range(n):
            set_lr(self.optimizer, lr_at(self.step, s))
            self.optimizer.zero_grad(set_to_none=True)
            torch.manual_seed(rng.step_seed(s.seed, self.step, 0, 0))  # micro-batch 0, rank 0
            out = self.method(next(self.views))
            out.loss.backward()
            self.loss = out.loss.detach().item()
            if not math.isfinite(self.loss):
                raise FloatingPointError(f"{OURS}: loss {self.loss} at step {self.step}")
            self.optimizer.step()
            self.step += 1


class PILImages(Dataset[tuple[list[torch.Tensor], int]]):
    """Fashion-MNIST as torchvision's ``datasets.FashionMNIST`` serves it: a PIL 'L' image
    per item, through ``transform``."""

    def __init__(self, data: ImageArrays, transform: Callable[[Any], Any]) -> None:
        assert data.labels is not None  # Fashion-MNIST is labelled
        self.images, self.labels, self.transform = data.images[:, 0].numpy(), data.labels, transform
        from PIL import Image

        self.to_pil = Image.fromarray  # uint8 (28, 28) → mode 'L'

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[list[torch.Tensor], int]:
        return self.transform(self.to_pil(self.images[i])), int(self.labels[i])


class Lightly:
    """lightly's SimCLR on the same backbone, driven ``n`` steps at a time."""

    def __init__(self, cfg: TrainConfig, data: ImageData, num_workers: int) -> None:
        from lightly.loss import NTXentLoss
        from lightly.models.modules import SimCLRProjectionHead
        from lightly.transforms import SimCLRTransform

        recipe = data.recipe  # SimCLRRecipe.for_fashion_mnist(), one channel
        torch.manual_seed(cfg.seed)  # the same initial backbone weights as ours
        self.backbone = build_backbone(cfg.model.backbone, in_channels=1, image_size=28)
        self.head = SimCLRProjectionHead(
            self.backbone.dim, cfg.model.projection_hidden, cfg.model.projection_dim
        )
        self.model = nn.ModuleDict({"backbone": self.backbone, "head": self.head}).train()
        self.criterion = NTXentLoss(temperature=TAU)
        self.optimizer = build_optimizer(
            self.model, "adamw", lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay
        )
        transform = SimCLRTransform(
            input_size=recipe.size,
            min_scale=recipe.crop_scale[0],
            cj_prob=recipe.jitter_p,
            cj_strength=recipe.jitter_strength,
            cj_sat=0.0,  # on 'L' images saturation and hue are no-ops; ours leaves them out too
            cj_hue=0.0,
            random_gray_scale=recipe.grayscale_p,
            gaussian_blur=recipe.blur_p,
            hf_prob=recipe.flip_p,
            normalize={"mean": list(recipe.mean), "std": list(recipe.std)},
        )
        # The next chunk's batches, refilled in place: persistent workers prepare exactly
        # those, so lightly gets no free prefetching while ours runs.
        self.chunk: list[list[int]] = []
        self.loader = DataLoader(
            PILImages(data.train, transform),
            batch_sampler=self.chunk,
            num_workers=num_workers,
            persistent_workers=num_workers > 0,
        )
        batches = build_stream(cfg, data, CPU).batches  # the same sample order as ours
        self.order = endless(batches.epoch)
        self.settings = loop_settings(cfg, len(batches), progress=False)
        self.step, self.loss = 0, math.nan

    def run(self, n: int) -> None:
        self.chunk[:] = [next(self.order).tolist() for _ in range(n)]
        for (x0, x1), _ in self.loader:  # (B, 1, 28, 28) each
            set_lr(self.optimizer, lr_at(self.step, self.settings))
            z0, z1 = self.head(self.backbone(x0)), self.head(self.backbone(x1))  # (B, 128)
            loss = self.criterion(z0, z1)
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad()
            self.loss, self.step = loss.detach().item(), self.step + 1


def endless(epoch: Callable[[int], Iterable[T]]) -> Iterator[T]:
    """Epoch 0, 1, 2, … of a stream, one after the other (as the loop's data position)."""
    for e in itertools.count():
        yield from epoch(e)


def lr_at(step: int, s: LoopSettings) -> float:
    return warmup_cosine(
        step, total=s.total_steps, warmup=s.warmup_steps, peak=s.peak_lr, final=s.final_lr
    )


def check_ours_is_the_loop(steps: int = 3) -> None:
    """``Ours.run`` ends with the same weights as ``engine.loop.train``, bit for bit."""
    cfg = config(steps)
    data = load_image_data(cfg)
    ours = Ours(cfg, data)
    ours.run(steps)
    ref = Ours(cfg, data)  # fresh parts, trained by the real loop
    with tempfile.TemporaryDirectory() as out:
        train(ref.method, ref.stream, ref.optimizer, ref.settings, Path(out),
              device=CPU, config_json=cfg.model_dump_json())  # fmt: skip
    trained = ref.method.state_dict()
    for name, a in ours.method.state_dict().items():
        if not torch.equal(a, trained[name]):
            raise AssertionError(f"Ours differs from engine.loop.train in {name}.")


def pick_workers(data: ImageData, chunk: int, rounds: int) -> tuple[int, dict[int, float]]:
    """lightly's fastest DataLoader worker count among 0, 1, 2 (training steps, interleaved)."""
    trainers = {w: Lightly(config(1000), data, w) for w in (0, 1, 2)}
    calls = {str(w): functools.partial(t.run, chunk) for w, t in trainers.items()}
    times = interleave(calls, rounds=rounds, warmup=1)
    speed = {int(w): chunk * BATCH / median(t) for w, t in times.items()}
    return max(speed, key=lambda w: speed[w]), speed


def knn(encoder: Callable[[torch.Tensor], Any], cfg: TrainConfig, data: ImageData) -> float:
    """Weighted kNN (k 200, τ 0.1) on the 10k test images, the 60k train images as the bank."""
    prepare = EvalTransform(data.recipe, data.channels)  # scale to [0, 1], normalise
    report = evaluate_encoder(
        encoder, data.train, load_eval_data(cfg), prepare, device=CPU, knn_k=cfg.eval.knn_k,
        knn_temperature=cfg.eval.knn_temperature, probe_epochs=None, progress=False,
    )  # fmt: skip
    return report.knn_accuracy


# ----------------------------------------------------------------------------- report


def table(times: dict[str, list[float]], chunk: int, ratio: float, acc: dict[str, float],
          trainers: dict[str, Ours | Lightly], wall: dict[str, float]) -> str:  # fmt: skip
    lines = [
        "| implementation | images/s (median) | IQR | × lightly | kNN top-1 | epochs | steps "
        "| final loss | wall s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t in times.items():
        speed = sorted(chunk * BATCH / x for x in t)  # images/s of each timed chunk
        iqr = speed[(3 * len(speed)) // 4] - speed[len(speed) // 4]
        step, loss, vs = trainers[name].step, trainers[name].loss, ratio if name == OURS else 1
        lines.append(
            f"| {name} | {median(speed):,.0f} | {iqr:,.0f} | {vs:.2f} | {acc[name]:.2%} "
            f"| {step / PER_EPOCH:.2f} | {step} | {loss:.3f} | {wall[name]:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def targets(ratio: float, acc: dict[str, float]) -> str:
    gap, tie = (acc[OURS] - acc[PEER]) * 100, KNN_NOISE * 100
    knn_met = acc[OURS] >= acc[PEER] - KNN_NOISE
    return (
        "Acceptance targets (issue #3):\n"
        f"- training throughput ≥ 1.2× lightly's (median of per-round ratios): {ratio:.2f}× "
        f"→ {'MET' if ratio >= 1.2 else 'MISSED'}\n"
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
a 256 → 512 → 128 Linear-BN-ReLU-Linear head (lightly's first Linear keeps a bias), NT-Xent
τ 0.5, AdamW lr 2e-3 wd 1e-4 without decay on 1-D parameters, {warmup} warm-up steps then
cosine to 0, sample order, and the recipe (crop scale (0.2, 1), ratio (3/4, 4/3), flip 0.5,
brightness and contrast 0.4 with p 0.8, no grayscale or blur, mean 0.2860, std 0.3530). Kept
as each library does it: lightly crops one PIL image at a time with antialiasing, ours warps
the batch bilinearly; lightly forwards the views one after the other (batch-norm statistics
per view, as in its SimCLR example), ours as one batch of 512. kNN: `evaluate_encoder` (what
`contrastkit eval` runs) on both backbones in eval mode, the 60k unaugmented train images as
the bank, k 200, τ 0.1, 10k test images; {tie:.1f} points count as a tie (the binomial standard
error near 85% on 10k images is 0.36 points). torch's default {threads} intra-op threads for
both; DataLoader workers use one each.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="150 steps in chunks of 15")
    parser.add_argument("--no-append", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--epochs", type=float, default=2.0, help="training epochs (default 2)")
    parser.add_argument("--chunk", type=int, default=None, help="steps per chunk (default 18)")
    parser.add_argument("--lightly-workers", default="auto", help="0, 1, 2 … or auto (fastest)")
    args = parser.parse_args(argv)

    chunk = args.chunk or (15 if args.quick else 18)
    rounds = max(2, round((150 if args.quick else args.epochs * PER_EPOCH) / chunk)) - 1
    steps = chunk * (rounds + 1)
    print(f"# {command_line()}\n# commit {git_commit()}\n# {machine_description()}", flush=True)
    loads = [load_average()]
    check_ours_is_the_loop()
    setup = ["- `Ours` checked: 3 steps end with bit-identical weights to `engine.loop.train`'s"]
    print(setup[0], flush=True)

    cfg = config(steps)
    data = load_image_data(cfg)
    if args.lightly_workers == "auto":
        workers, speeds = pick_workers(data, chunk=4 if args.quick else 8, rounds=2)
        probe = ", ".join(f"{w}: {v:,.0f}" for w, v in speeds.items())
        setup.append(f"- lightly's DataLoader: {workers} worker(s), its fastest (images/s {probe})")
    else:
        workers = int(args.lightly_workers)
        setup.append(f"- lightly's DataLoader: {workers} worker(s) (--lightly-workers)")
    print(setup[-1], flush=True)

    ours, peer = Ours(cfg, data), Lightly(cfg, data, workers)
    trainers: dict[str, Ours | Lightly] = {OURS: ours, PEER: peer}
    wall = dict.fromkeys(trainers, 0.0)

    def chunk_of(name: str) -> Callable[[], None]:
        def call() -> None:
            start = time.perf_counter()
            trainers[name].run(chunk)
            seconds = time.perf_counter() - start
            wall[name] += seconds
            loads.append(load_average())
            t, speed = trainers[name], chunk * BATCH / seconds
            print(f"  {name}: step {t.step}/{steps}, loss {t.loss:.3f}, {speed:.0f} images/s, "
                  f"load {loads[-1]:.2f}", file=sys.stderr, flush=True)  # fmt: skip

        return call

    times = interleave({name: chunk_of(name) for name in trainers}, rounds=rounds, warmup=1)
    ratio = paired_ratio(times[PEER], times[OURS])  # t_lightly / t_ours = speed-up of ours
    ours.method.eval()
    peer.model.eval()
    acc = {OURS: knn(ours.embed, cfg, data), PEER: knn(peer.backbone, cfg, data)}
    loads.append(load_average())

    load = (
        f"1-minute load average during the run: {min(loads):.2f}–{max(loads):.2f} (this run's "
        f"{torch.get_num_threads()} threads and lightly's workers count toward it; above that, "
        f"other jobs competed for the {len(os.sched_getaffinity(0))} cores)."
    )
    method = METHOD.format(
        chunk=chunk, steps=steps, epochs=steps / PER_EPOCH, rounds=rounds,
        warmup=ours.settings.warmup_steps, tie=KNN_NOISE * 100, threads=torch.get_num_threads(),
    )  # fmt: skip
    body = table(times, chunk, ratio, acc, trainers, wall) + "\n" + targets(ratio, acc)
    body += "\n" + "\n".join(setup) + f"\n\n{load}\n\n{method}"
    print("\n" + body)
    if not args.no_append:
        append_results(REPO / "benchmarks" / "RESULTS.md", "bench_simclr.py", body)
        print("# appended to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
