"""What the training benchmarks against lightly share (bench_simclr.py, bench_methods.py).

    Ours              contrastkit's training step exactly as ``engine.loop.train`` runs it,
                      checked bit for bit against the loop by :func:`check_ours_is_the_loop`
    LightlyTrainer    the base of a lightly peer: PIL images through lightly's
                      ``SimCLRTransform`` in a torch ``DataLoader`` handed exactly one chunk's
                      batches, the same AdamW groups, lr schedule, clipping and EMA momentum
                      as our loop; a subclass builds the method's heads and loss
    run_interleaved   the two trainings a chunk of steps each in turn, every chunk timed
    evaluate          kNN (and the linear probe) of a backbone, as ``contrastkit eval`` does

Both sides train the same backbone from the same initial weights on the same sample order
(``EpochBatches`` of the config), with the same lr (:func:`lr_at`) and, for EMA methods, the
same momentum per step (``cosine_momentum`` from the method's ``base_momentum``).
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from _common import interleave, load_average, median
from contrastkit.augment import EvalTransform, SimCLRRecipe
from contrastkit.data import ImageArrays
from contrastkit.engine import rng
from contrastkit.engine.build import loop_settings, optimizer_of
from contrastkit.engine.loop import LoopSettings, autocast, train
from contrastkit.engine.optim import set_lr
from contrastkit.engine.schedules import cosine_momentum, warmup_cosine
from contrastkit.methods.base import encoder_of
from contrastkit.nn import build_backbone
from contrastkit.tasks.images.build import ImageData, build_method, build_stream, load_eval_data
from contrastkit.tasks.images.config import ImageConfig
from contrastkit.tasks.images.evaluate import EvalReport, evaluate_encoder

CPU = torch.device("cpu")
BATCH, PER_EPOCH = 256, 60_000 // 256  # the CLI's default batch; full batches per epoch
T = TypeVar("T")


class Trainer(Protocol):
    """One side of a comparison: ``run(n)`` trains n more steps."""

    step: int
    loss: float

    def run(self, n: int) -> None: ...


def endless(epoch: Callable[[int], Iterable[T]]) -> Iterator[T]:
    """Epoch 0, 1, 2, … of a stream, one after the other (as the loop's data position)."""
    for e in itertools.count():
        yield from epoch(e)


def lr_at(step: int, s: LoopSettings) -> float:
    return warmup_cosine(
        step, total=s.total_steps, warmup=s.warmup_steps, peak=s.peak_lr, final=s.final_lr
    )


# ----------------------------------------------------------------------------- ours


class Ours:
    """contrastkit's training, driven ``n`` steps at a time; each step is the body of
    ``engine.loop.train`` without its logging, monitor and checkpoints (the disabled
    GradScaler's calls are no-ops and left out): lr, seed, forward, backward, clipping when
    ``optim.clip_grad`` is set, optimiser step, then the EMA target update with the step's
    momentum for a method that has one (queue pushes and DINO's centre happen inside the
    method's training step, as in the loop)."""

    def __init__(self, cfg: ImageConfig, data: ImageData) -> None:
        self.name = f"contrastkit {cfg.method}"
        torch.manual_seed(cfg.seed)  # as train_run: identical initial weights
        self.method = build_method(cfg, data.channels, data.image_size).train()
        self.embed = encoder_of(self.method)  # h = f(x)
        self.stream = build_stream(cfg, data, CPU)
        self.optimizer = optimizer_of(cfg, self.method)
        self.settings = loop_settings(cfg, len(self.stream.batches), self.method, progress=False)
        if self.settings.accumulate != 1 or self.settings.amp == "fp16":
            raise ValueError(
                f"{self.name}: the benchmark replays the loop with optim.accumulate=1 and "
                f"amp none or bf16; got {self.settings.accumulate} and {self.settings.amp!r}"
            )
        self.views, self.step, self.loss = endless(self.stream.epoch), 0, math.nan

    def run(self, n: int) -> None:
        s = self.settings
        for _ in range(n):
            set_lr(self.optimizer, lr_at(self.step, s))
            self.optimizer.zero_grad(set_to_none=True)
            torch.manual_seed(rng.step_seed(s.seed, self.step, 0, 0))  # micro-batch 0, rank 0
            views = next(self.views)
            with autocast(CPU, s.amp):  # as the loop: the forward and loss, not the views
                out = self.method.training_step(views)  # type: ignore[operator]
            out.loss.backward()
            self.loss = out.loss.detach().item()
            if not math.isfinite(self.loss):
                raise FloatingPointError(f"{self.name}: loss {self.loss} at step {self.step}")
            if s.clip_grad is not None:
                nn.utils.clip_grad_norm_(self.method.parameters(), s.clip_grad)
            self.optimizer.step()
            if s.momentum is not None:
                self.method.update_target(s.momentum(self.step))  # type: ignore[operator]
            self.step += 1


def check_ours_is_the_loop(cfg: ImageConfig, data: ImageData) -> None:
    """``Ours.run`` ends with the same state as ``engine.loop.train``, bit for bit: every
    tensor of the state dict (weights, EMA targets, queues, prototypes, centres, batch-norm
    statistics), any non-persistent buffer, and the optimiser's moments.

    ``cfg.steps`` sets how many steps both run (3 is enough to cover a queue push, an EMA
    update with a changing momentum and the optimiser's second moment)."""
    assert cfg.steps is not None
    ours = Ours(cfg, data)
    ours.run(cfg.steps)
    ref = Ours(cfg, data)  # fresh parts, trained by the real loop
    with tempfile.TemporaryDirectory() as out:
        train(ref.method, ref.stream, ref.optimizer, ref.settings, Path(out),
              device=CPU, config_json=cfg.model_dump_json())  # fmt: skip
    state = {**dict(ours.method.named_buffers()), **ours.method.state_dict()}
    trained = {**dict(ref.method.named_buffers()), **ref.method.state_dict()}
    if state.keys() != trained.keys():
        raise AssertionError(f"{ours.name}: Ours and engine.loop.train hold different tensors.")
    for name, a in state.items():
        if not torch.equal(a, trained[name]):
            raise AssertionError(f"{ours.name}: Ours differs from engine.loop.train in {name}.")
    moments = ours.optimizer.state_dict()["state"], ref.optimizer.state_dict()["state"]
    for i, slots in moments[0].items():
        for key, a in slots.items():
            if not torch.equal(torch.as_tensor(a), torch.as_tensor(moments[1][i][key])):
                raise AssertionError(
                    f"{ours.name}: optimiser state {key} of parameter {i} differs."
                )


# ----------------------------------------------------------------------------- lightly


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


def lightly_transform(recipe: SimCLRRecipe) -> Any:
    """lightly's ``SimCLRTransform`` set to our recipe option by option (two views)."""
    from lightly.transforms import SimCLRTransform

    return SimCLRTransform(
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


class LightlyTrainer:
    """A method trained the lightly way on our backbone, driven ``n`` steps at a time.

    A subclass builds the method's lightly heads and loss in :meth:`build` (returning the
    modules to train, momentum copies included) and gives a step's loss in :meth:`loss_of`;
    an EMA method makes its momentum copies with :meth:`momentum_copy` and sets
    ``base_momentum``. Each step: lr, loss, backward, clipping when ``optim.clip_grad`` is
    set, AdamW, then ``lightly.models.utils.update_momentum`` of every copy with the
    momentum our loop uses for that step.
    """

    note = ""  # how the composition differs from ours, printed with the table
    hyper: tuple[str, ...] = ()  # the method's hyper-parameters, printed with the note

    def __init__(self, cfg: ImageConfig, data: ImageData, num_workers: int) -> None:
        self.name = f"lightly {cfg.method}"
        self.targets: list[tuple[nn.Module, nn.Module]] = []  # (online, momentum copy)
        self.base_momentum = 1.0
        torch.manual_seed(cfg.seed)  # the same initial backbone weights as ours
        self.backbone = build_backbone(
            cfg.model.backbone,
            in_channels=data.channels,
            image_size=data.image_size,
            **cfg.model.backbone_options,
        )
        parts = self.build(cfg, self.backbone.dim)
        self.model = nn.ModuleDict({"backbone": self.backbone, **parts}).train()
        self.optimizer = optimizer_of(cfg, self.model)  # momentum copies take no gradient
        # The next chunk's batches, refilled in place: persistent workers prepare exactly
        # those, so lightly gets no free prefetching while ours runs.
        self.chunk: list[list[int]] = []
        self.loader = DataLoader(
            PILImages(data.train, lightly_transform(data.recipe)),
            batch_sampler=self.chunk,
            num_workers=num_workers,
            persistent_workers=num_workers > 0,
        )
        batches = build_stream(cfg, data, CPU).batches  # the same sample order as ours
        self.order = endless(batches.epoch)
        self.settings = loop_settings(cfg, len(batches), self.model, progress=False)
        self.step, self.loss = 0, math.nan

    def build(self, cfg: ImageConfig, dim: int) -> dict[str, nn.Module]:
        raise NotImplementedError

    def loss_of(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def momentum_copy(self, module: nn.Module, blank: nn.Module | None = None) -> nn.Module:
        """lightly's recipe for a momentum encoder: a deep copy of ``module`` (or ``blank``,
        a fresh twin, loaded with its weights), then ``deactivate_requires_grad``."""
        from lightly.models.utils import deactivate_requires_grad

        if blank is None:
            target = copy.deepcopy(module)
        else:
            blank.load_state_dict(module.state_dict())
            target = blank
        deactivate_requires_grad(target)
        self.targets.append((module, target))
        return target

    def run(self, n: int) -> None:
        from lightly.models.utils import update_momentum

        s = self.settings
        self.chunk[:] = [next(self.order).tolist() for _ in range(n)]
        for (x0, x1), _ in self.loader:  # (B, C, H, W) each
            set_lr(self.optimizer, lr_at(self.step, s))
            with autocast(CPU, s.amp):  # what Lightning's precision="bf16-mixed" wraps
                loss = self.loss_of(x0, x1)
            loss.backward()
            if s.clip_grad is not None:
                nn.utils.clip_grad_norm_(self.model.parameters(), s.clip_grad)
            self.optimizer.step()
            self.optimizer.zero_grad()
            m = cosine_momentum(self.step, total=s.total_steps, base=self.base_momentum)
            for online, target in self.targets:
                update_momentum(online, target, m=m)
            self.loss, self.step = loss.detach().item(), self.step + 1
            if not math.isfinite(self.loss):
                raise FloatingPointError(f"{self.name}: loss {self.loss} at step {self.step}")


def pick_workers(
    make: Callable[[int], Trainer], chunk: int, rounds: int
) -> tuple[int, dict[int, float]]:
    """lightly's fastest DataLoader worker count among 0, 1, 2 (training steps, interleaved);
    ``make(w)`` builds a throw-away peer with ``w`` workers."""
    trainers = {w: make(w) for w in (0, 1, 2)}
    calls = {str(w): functools.partial(t.run, chunk) for w, t in trainers.items()}
    times = interleave(calls, rounds=rounds, warmup=1)
    speed = {int(w): chunk * BATCH / median(t) for w, t in times.items()}
    return max(speed, key=lambda w: speed[w]), speed


# ----------------------------------------------------------------------------- timing


def run_interleaved(
    trainers: Mapping[str, Trainer], *, chunk: int, rounds: int, steps: int, loads: list[float]
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Seconds of every timed chunk of each trainer (1 warm-up chunk, then ``rounds``), and
    each one's total wall seconds; a progress line per chunk goes to stderr and the load
    average after each chunk to ``loads``."""
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
    return times, wall


def chunk_speeds(seconds: list[float], chunk: int) -> list[float]:
    """images/s of each timed chunk, sorted."""
    return sorted(chunk * BATCH / x for x in seconds)


def iqr(sorted_values: list[float]) -> float:
    n = len(sorted_values)
    return sorted_values[(3 * n) // 4] - sorted_values[n // 4]


def load_text(loads: list[float]) -> str:
    return (
        f"1-minute load average during the run: {min(loads):.2f}–{max(loads):.2f} (this run's "
        f"{torch.get_num_threads()} threads and lightly's workers count toward it; above that, "
        f"other jobs competed for the {len(os.sched_getaffinity(0))} cores)."
    )


# ----------------------------------------------------------------------------- evaluation


def evaluate(
    encoder: Callable[[torch.Tensor], Any], cfg: ImageConfig, data: ImageData, *, probe: bool
) -> EvalReport:
    """What ``contrastkit eval`` reports: weighted kNN (``eval.knn_k``, ``eval.knn_temperature``)
    on the 10k test images with the train images as the bank, and with ``probe`` the linear
    probe (``eval.probe_epochs`` L-BFGS iterations); ``eval.max_train`` caps the train set."""
    prepare = EvalTransform(data.recipe, data.channels)  # scale to [0, 1], normalise
    bank = data.train
    if cfg.eval.max_train is not None:
        bank = bank.subset(torch.arange(min(cfg.eval.max_train, len(bank))))
    return evaluate_encoder(
        encoder, bank, load_eval_data(cfg), prepare, device=CPU, knn_k=cfg.eval.knn_k,
        knn_temperature=cfg.eval.knn_temperature,
        probe_epochs=cfg.eval.probe_epochs if probe else None, progress=False,
    )  # fmt: skip


def knn(encoder: Callable[[torch.Tensor], Any], cfg: ImageConfig, data: ImageData) -> float:
    """Weighted kNN (k 200, τ 0.1) on the 10k test images, the 60k train images as the bank."""
    return evaluate(encoder, cfg, data, probe=False).knn_accuracy
