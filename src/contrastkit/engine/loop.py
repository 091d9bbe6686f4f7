"""The one training loop shared by every method and every task.

AMP, gradient accumulation, clipping, the learning-rate schedule, checkpoints and metrics are
options of this loop, never per-method copies. It asks a method only what
:mod:`contrastkit.methods.base` writes down: ``training_step(batch)`` returns a
:class:`StepOutput`; an :class:`~contrastkit.methods.base.EMATarget` gets ``update_target(m)``
after each optimiser step with the momentum of that step; a
:class:`~contrastkit.methods.base.StepHook` gets ``before_optimizer_step(step)`` once per step
after backward (gradients complete, all-reduced under DDP) and before clipping and the step.

Resume is exact: step s reseeds torch from (seed, step, micro-batch, rank), the sampler is
a pure function of (seed, epoch), and a checkpoint carries the model, optimiser, scaler, RNG
states and the sampler position, so a killed and resumed run ends bit-identical to an
uninterrupted one under deterministic CPU settings.

Monitoring (probe-batch health numbers, the collapse detector, early stopping) is a
:class:`~contrastkit.engine.monitor.Monitor` the loop calls every few steps; it may ask the
loop to stop, and tells it when to keep ``checkpoints/best.pt``. Throughput is logged as
``samples_per_second`` (images, texts, … whatever the task's batches hold), and the share of
wall time spent waiting for the stream's next batch (decoding, augmenting on the stream's
side) as ``data_share``: near 0 means the model, not the data, sets the pace.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from contrastkit import distributed
from contrastkit.diagnostics import alignment, std_of_l2_normalized, uniformity
from contrastkit.engine import rng
from contrastkit.engine.allocator import keep_freed_memory
from contrastkit.engine.checkpoint import save_best, save_checkpoint
from contrastkit.engine.finite import (
    agree,
    buffers_of,
    nonfinite_gradients,
    nonfinite_state,
    restore_buffers,
)
from contrastkit.engine.metrics_log import MetricsLog
from contrastkit.engine.monitor import Monitor
from contrastkit.engine.optim import set_lr
from contrastkit.engine.schedules import SCHEDULES
from contrastkit.engine.stream import BatchStream, ReportsCounters
from contrastkit.losses import NonFiniteError
from contrastkit.methods.base import EMATarget, StepHook
from contrastkit.types import Batch, StepOutput

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoopSettings:
    total_steps: int  # optimiser steps
    peak_lr: float
    final_lr: float
    warmup_steps: int
    seed: int
    schedule: str = "cosine"  # cosine | linear decay after warm-up (engine/schedules.py)
    accumulate: int = 1  # micro-batches per optimiser step
    clip_grad: float | None = None  # max global gradient norm
    amp: str = "none"  # none | bf16 | fp16 (GPU)
    log_every: int = 20
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    on_nonfinite: str = "stop"  # stop | skip (engine/finite.py)
    progress: bool = True
    momentum: Callable[[int], float] | None = None  # EMA momentum of step s, if any


@dataclass(frozen=True)
class TrainResult:
    steps: int
    final_loss: float
    seconds: float
    samples_per_second: float
    stopped: str | None = None  # why the run ended before total_steps (monitor), or None


class _Position:
    """Where the data stream is: epoch and micro-batch index within it."""

    def __init__(self, stream: BatchStream, epoch: int, batch: int) -> None:
        self.stream, self.epoch, self.batch = stream, epoch, batch
        self._it: Iterator[Batch] = stream.epoch(epoch, batch)

    def next(self) -> Batch:
        for _ in range(2):
            try:
                batch = next(self._it)
                self.batch += 1
                return batch
            except StopIteration:
                self.epoch, self.batch = self.epoch + 1, 0
                self._it = self.stream.epoch(self.epoch, 0)
        raise RuntimeError("the data stream yielded no batch for a whole epoch")


def train(
    method: nn.Module,
    stream: BatchStream,
    optimizer: torch.optim.Optimizer,
    settings: LoopSettings,
    run_dir: Path,
    *,
    device: torch.device,
    config_json: str,
    extra: dict[str, Any] | None = None,
    resume: dict[str, Any] | None = None,
    monitor: Monitor | None = None,
    trackers: Sequence[str] = ("tensorboard",),
) -> TrainResult:
    """Train ``method`` for ``settings.total_steps`` optimiser steps, writing into ``run_dir``.

    ``extra`` holds plain values saved in every checkpoint beside the training state (what
    ``eval``/``embed``/``export`` need to rebuild the model, e.g. input shape and
    normalisation); ``resume`` is a loaded checkpoint to continue from; ``monitor`` measures
    every few steps and may stop the run early (the last checkpoint is written first);
    ``trackers`` are where metrics go besides ``metrics.jsonl`` (engine/trackers.py).
    """
    s = settings
    if device.type == "cpu":
        keep_freed_memory()  # no page faults on the step's large tensors after the first step
    numpy_rng = rng.seed_everything(s.seed)
    scaler = torch.amp.GradScaler(device.type, enabled=s.amp == "fp16")
    step, epoch, first_batch = 0, 0, 0
    if resume is not None:
        method.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        scaler.load_state_dict(resume["scaler"])
        rng.restore(resume["rng"], numpy_rng)
        step, epoch, first_batch = resume["step"], resume["epoch"], resume["batch"]
        if monitor is not None and resume.get("monitor") is not None:
            monitor.load_state_dict(resume["monitor"])
    model = _wrap_distributed(_Step(method), device)
    position = _Position(stream, epoch, first_batch)
    log = MetricsLog(run_dir, trackers, resume_step=step, config_json=config_json)
    bar = tqdm(
        total=s.total_steps,
        initial=step,
        disable=not (s.progress and distributed.is_main()),
        unit="step",
        dynamic_ncols=True,
    )

    def state() -> dict[str, Any]:
        return {
            "model": method.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scaler": scaler.state_dict(),
            "rng": rng.capture(numpy_rng),
            "step": step,
            "epoch": position.epoch,
            "batch": position.batch,
            "world_size": distributed.world_size(),
            "config": config_json,
            "monitor": monitor.state_dict() if monitor is not None else None,
            **(extra or {}),
        }

    saved = step  # the newest checkpoint's step (0: none yet)

    def checkpoint() -> None:
        nonlocal saved
        broken = agree(nonfinite_state(method), device)
        if broken is not None:  # never a checkpoint that holds inf or NaN
            raise non_finite(broken)
        if distributed.is_main():
            save_checkpoint(state(), run_dir / "checkpoints", step, keep=s.keep_checkpoints)
        distributed.barrier()
        saved = step

    def non_finite(problem: str) -> NonFiniteError:
        kept = f"checkpoint of step {saved}" if saved else "no checkpoint yet"
        return NonFiniteError(
            f"step {step}: {problem}; lower optim.lr, raise the temperature, set "
            f"optim.clip_grad, or set on_nonfinite=skip to skip such batches ({kept} kept)"
        )

    model.train()
    start, samples, loss_value = time.perf_counter(), 0, math.nan
    interval_start, interval_samples, interval_waited = start, 0, 0.0
    stopped: str | None = None
    skipped, said_identical, trained = 0, False, None
    while step < s.total_steps and stopped is None:
        before = buffers_of(method) if s.on_nonfinite == "skip" else None
        lr = SCHEDULES[s.schedule](
            step, total=s.total_steps, warmup=s.warmup_steps, peak=s.peak_lr, final=s.final_lr
        )
        set_lr(optimizer, lr)
        optimizer.zero_grad(set_to_none=True)
        loss_sum, problem = 0.0, None
        for micro in range(s.accumulate):
            torch.manual_seed(rng.step_seed(s.seed, step, micro, distributed.rank()))
            asked = time.perf_counter()
            batch = position.next()
            interval_waited += time.perf_counter() - asked
            sync = micro == s.accumulate - 1
            try:
                with _no_sync(model, sync), autocast(device, s.amp):
                    out: StepOutput = model(batch)
                loss = out.loss.detach().item()
                problem = None if math.isfinite(loss) else f"the loss became {loss}"
            except NonFiniteError as e:  # a loss refusing non-finite embeddings
                problem = f"the method's embeddings became non-finite ({e})"
            interval_samples += len(batch) * distributed.world_size()
            if agree(problem, device) is not None:  # every rank stops before backward
                problem = problem or "another rank's step became non-finite"
                break
            scaler.scale(out.loss / s.accumulate).backward()
            loss_sum += loss
        if problem is None and not scaler.is_enabled():  # fp16's scaler skips inf steps itself
            problem = agree(nonfinite_gradients(method), device)
        if problem is not None:
            if s.on_nonfinite == "stop":
                raise non_finite(problem)
            restore_buffers(method, before)  # the skipped batch leaves no trace
            optimizer.zero_grad(set_to_none=True)
            skipped += 1
            logger.warning("skipped step %d: %s (on_nonfinite=skip)", step, problem)
        else:
            loss_value = loss_sum / s.accumulate
            if isinstance(method, StepHook):
                method.before_optimizer_step(step)
            if s.clip_grad is not None:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(method.parameters(), s.clip_grad)
            scaler.step(optimizer)
            scaler.update()
            if s.momentum is not None and isinstance(method, EMATarget):
                method.update_target(s.momentum(step))
            trained = out  # the last step that trained: what the log row measures
        step += 1
        bar.update(1)
        due = monitor is not None and monitor.due(step) and trained is not None
        watch = monitor if due else None
        if watch is not None or step % s.log_every == 0 or step == s.total_steps:
            now = time.perf_counter()
            throughput = interval_samples / max(now - interval_start, 1e-9)
            data_share = interval_waited / max(now - interval_start, 1e-9)
            samples += interval_samples
            interval_start, interval_samples, interval_waited = now, 0, 0.0
            values = {
                "loss": loss_value,
                "lr": lr,
                "samples_per_second": throughput,
                "data_share": data_share,
            }
            if trained is not None:
                values.update(_geometry(trained.z1, trained.z2))
            if skipped:
                values["skipped_steps"] = float(skipped)
            if isinstance(stream, ReportsCounters):
                values.update(stream.counters())
            if (
                values.get("alignment") == 0.0
                and values.get("uniformity") == 0.0
                and not said_identical
            ):
                said_identical = True  # alignment and uniformity both 0: every row the same
                logger.warning(
                    "step %d: every embedding of the batch is identical (alignment and "
                    "uniformity both read 0): the encoder has collapsed to a constant",
                    step,
                )
            values.update({k: float(v) for k, v in out.metrics.items()})
            if watch is not None:
                assert trained is not None
                seen = watch.observe(method, step, trained, values)
                values.update(seen.values)
                if seen.improved and distributed.is_main() and nonfinite_state(method) is None:
                    save_best(state(), run_dir / "checkpoints")
                stopped = seen.stop
            log.write(step, values)
            bar.set_postfix(loss=f"{loss_value:.4f}", per_s=f"{throughput:.0f}")
        if stopped is not None:
            logger.warning("%s (last checkpoint: step %d)", stopped, step)
        if stopped is not None or step % s.checkpoint_every == 0 or step == s.total_steps:
            checkpoint()
    bar.close()
    log.close()
    seconds = time.perf_counter() - start
    samples += interval_samples
    return TrainResult(step, loss_value, seconds, samples / max(seconds, 1e-9), stopped)


@torch.no_grad()
def _geometry(z1: torch.Tensor, z2: torch.Tensor) -> dict[str, float]:
    """Cheap health numbers of this step's projections (Wang & Isola 2020; SimSiam Sec 4.1)."""
    return {
        "alignment": alignment(z1, z2).item(),
        "uniformity": uniformity(z1).item(),
        "std_normalized": std_of_l2_normalized(z1).item(),
    }


class _Step(nn.Module):
    """``forward`` is the method's ``training_step``: what DDP calls, so its gradient hooks
    and buffer broadcasts wrap the whole step (methods define no ``forward`` of their own)."""

    def __init__(self, method: nn.Module) -> None:
        super().__init__()
        self.method = method

    def forward(self, batch: Batch) -> StepOutput:
        out: StepOutput = self.method.training_step(batch)  # type: ignore[operator]
        return out


def _wrap_distributed(method: nn.Module, device: torch.device) -> nn.Module:
    """DDP over the method's step. ``find_unused_parameters``: a method may hold trainable
    parameters its loss never reaches (a Hugging Face encoder's pooler under mean pooling; a
    head frozen for the first steps), which DDP would otherwise wait for forever."""
    if not distributed.is_distributed():
        return method
    if device.type == "cuda":  # torch refuses SyncBatchNorm on CPU
        method = nn.SyncBatchNorm.convert_sync_batchnorm(method)
        return nn.parallel.DistributedDataParallel(
            method, device_ids=[device.index], find_unused_parameters=True
        )
    return nn.parallel.DistributedDataParallel(method, find_unused_parameters=True)


def _no_sync(model: nn.Module, sync: bool) -> contextlib.AbstractContextManager[Any]:
    if sync or not isinstance(model, nn.parallel.DistributedDataParallel):
        return contextlib.nullcontext()
    return model.no_sync()


def autocast(device: torch.device, amp: str) -> contextlib.AbstractContextManager[Any]:
    """The mixed precision ``amp`` names (none, bf16, fp16) for a step's forward and loss."""
    if amp == "none":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if amp == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)
