"""Monitoring in the loop: cheap health numbers of a fixed probe batch every N steps.

Every ``every`` optimiser steps the loop hands the method to :meth:`Monitor.observe`, which

1. projects a **fixed probe batch** — the first batch of epoch 0, drawn once under its own
   seed when the run starts — through the method's ``project`` (the
   :class:`~contrastkit.methods.base.Projects` protocol: the projections its loss compares,
   with no side effects), under ``no_grad``, and measures alignment, uniformity, effective
   rank, std of normalised embeddings, positive/negative gap and in-batch top-1 accuracy
   (``probe_*``), plus the temperature (and dL/dτ when it is learnable);
2. runs the task's periodic checks that are due (:class:`PeriodicCheck`; images: the
   weighted kNN accuracy on a labelled validation subset, ``knn_accuracy``);
3. runs the collapse rules (:mod:`contrastkit.engine.collapse`) over the probe history:
   a rule that fires is logged once as a warning sentence, flags the row (``collapse`` = 1)
   and, with ``stop_on_collapse``, stops the run;
4. feeds the early-stopping metric, if any (:mod:`contrastkit.engine.early_stop`).

**Why train mode.** The probe runs with the method in training mode — BatchNorm normalises
with the probe's own batch statistics, as the loss sees it — and the BatchNorm running
statistics are saved before and restored after, so monitoring changes nothing in the model
(a resumed run stays bit-identical). Eval mode would read the running statistics, which lag
far behind early in training: measured at step 1 of a SimSiam run they made every probe
embedding nearly identical (std × √D = 0.03), a false "complete collapse".

**Fallback.** A method that does not implement ``project`` cannot embed the probe batch
without side effects, so its ``probe_*`` numbers come from that step's own detached
``z1, z2``; the monitor says so once, when it is built.

Under ``torch.distributed`` every rank observes (the SyncBatchNorm of the probe forward needs
them all); a stop on any rank stops every rank, and only the main rank logs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.modules.batchnorm import _NormBase

from contrastkit import distributed
from contrastkit.diagnostics import (
    alignment,
    effective_rank,
    in_batch_top1,
    positive_negative_gap,
    std_of_l2_normalized,
    uniformity,
)
from contrastkit.engine.collapse import ProbeShape, detect_collapse
from contrastkit.engine.early_stop import EarlyStopping
from contrastkit.engine.rng import step_seed
from contrastkit.engine.stream import BatchStream
from contrastkit.losses import LearnableTemperature
from contrastkit.methods.base import Projects
from contrastkit.types import Batch, StepOutput

log = logging.getLogger(__name__)

_PROBE_SEED = -1  # step_seed(seed, -1): a seed no training step uses
_HISTORY = 32  # probe rows kept for the collapse rules (more than any sane patience)
_NO_PROJECT = "no_project"  # in `warned` once the fallback to the step's z1, z2 was said


def draw_probe(stream: BatchStream, seed: int, device: torch.device) -> Batch:
    """The fixed probe batch: the first batch of epoch 0, drawn (augmented) under its own seed.

    Drawn inside ``fork_rng``, so the training's random streams are untouched.
    """
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(step_seed(seed, _PROBE_SEED))
        return next(iter(stream.epoch(0)))


@contextlib.contextmanager
def frozen_norm_statistics(module: nn.Module) -> Iterator[None]:
    """Run ``module`` in training mode without changing its BatchNorm running statistics."""
    saved = [
        (buffer, buffer.clone())
        for m in module.modules()
        if isinstance(m, _NormBase) and m.track_running_stats
        for buffer in (m.running_mean, m.running_var, m.num_batches_tracked)
        if buffer is not None
    ]
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, copy in saved:
                buffer.copy_(copy)


@torch.no_grad()
def probe_projections(method: nn.Module, probe: Batch) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The method's ``project`` of the probe batch (float32), or None for a method without it."""
    if not isinstance(method, Projects):
        return None
    with frozen_norm_statistics(method):
        z1, z2 = method.project(probe)  # (B, D) each
    return z1.float(), z2.float()


@torch.no_grad()
def probe_geometry(z1: torch.Tensor, z2: torch.Tensor) -> dict[str, float]:
    """The probe's health numbers (diagnostics; each docstring states its healthy range).

    Alignment, pos/neg gap and top-1 pair view 1 with view 2; uniformity and the std of
    normalised rows are over view 1 (as the per-step numbers); the effective rank is over
    both views, ``(2B, D)``.
    """
    return {
        "probe_alignment": alignment(z1, z2).item(),
        "probe_uniformity": uniformity(z1).item(),
        "probe_effective_rank": effective_rank(torch.cat([z1, z2])).item(),
        "probe_std_normalized": std_of_l2_normalized(z1).item(),
        "probe_pos_neg_gap": positive_negative_gap(z1, z2).item(),
        "probe_top1": in_batch_top1(z1, z2).item(),
    }


def temperature_values(method: nn.Module) -> dict[str, float]:
    """``temperature`` of the method's loss, and ``temperature_grad`` (dL/dτ, from the last
    backward) when τ is a :class:`LearnableTemperature`; empty for a method without τ."""
    for m in method.modules():
        if isinstance(m, LearnableTemperature):
            values = {"temperature": m.value}
            grad = m.gradient()
            if grad is not None:
                values["temperature_grad"] = grad
            return values
    tau = getattr(getattr(method, "criterion", None), "temperature", None)
    return {"temperature": float(tau)} if isinstance(tau, float | int) else {}


@dataclass(frozen=True)
class PeriodicCheck:
    """A measurement of the method every ``every`` steps, logged as ``name`` (a task's own,
    e.g. the kNN accuracy of images); early stopping may watch it."""

    name: str
    every: int
    measure: Callable[[nn.Module], float]


@dataclass(frozen=True)
class Observation:
    values: dict[str, float]  # what to add to this step's metrics row
    improved: bool = False  # the early-stopping metric reached a new best: keep best.pt
    stop: str | None = None  # why the run should stop now, or None


@dataclass
class Monitor:
    """What the loop calls every ``every`` steps; see the module docstring.

    ``every`` = 0 turns the probe off (the periodic checks still run when due).
    """

    probe: Batch | None
    every: int = 50
    collapse_patience: int = 3
    stop_on_collapse: bool = False
    early_stop: EarlyStopping | None = None
    checks: Sequence[PeriodicCheck] = ()
    history: list[dict[str, float]] = field(default_factory=list)
    warned: set[str] = field(default_factory=set)
    shape: ProbeShape | None = None

    def due(self, step: int) -> bool:
        return self._probe_due(step) or any(step % c.every == 0 for c in self.checks)

    def _probe_due(self, step: int) -> bool:
        return self.every > 0 and step % self.every == 0

    def observe(
        self, method: nn.Module, step: int, out: StepOutput, row: Mapping[str, float]
    ) -> Observation:
        """Measure at ``step``; ``row`` is the step's other metrics (loss, lr, ...)."""
        values: dict[str, float] = {}
        stop: str | None = None
        if self._probe_due(step):
            values.update(self.measure(method, out))
            values.update(temperature_values(method))
            found = self._check_collapse({"step": step, **row, **values})
            values["collapse"] = float(found is not None)
            if found is not None and self.stop_on_collapse:
                stop = f"stopping (monitor.stop_on_collapse): {found}"
        for check in self.checks:
            if step % check.every == 0:
                values[check.name] = check.measure(method)
        improved = False
        if self.early_stop is not None and self.early_stop.metric in values:
            verdict = self.early_stop.update(step, values[self.early_stop.metric])
            improved, stop = verdict.improved, stop or verdict.stop
        return Observation(values, improved, _agree(stop, step, out.loss.device))

    def measure(self, method: nn.Module, out: StepOutput) -> dict[str, float]:
        """The ``probe_*`` numbers of this check (the probe batch, else this step's z1, z2)."""
        projected = probe_projections(method, self.probe) if self.probe is not None else None
        if projected is None and self.probe is not None and _NO_PROJECT not in self.warned:
            if distributed.is_main():
                log.warning(
                    "%s has no project(batch) (the Projects protocol, methods/base.py): the "
                    "probe_* numbers come from each check's training batch instead",
                    type(method).__name__,
                )
            self.warned.add(_NO_PROJECT)
        z1, z2 = projected if projected is not None else (out.z1.float(), out.z2.float())
        self.shape = ProbeShape(rows=2 * z1.shape[0], dim=z1.shape[1])
        return probe_geometry(z1, z2)

    def _check_collapse(self, row: dict[str, float]) -> str | None:
        assert self.shape is not None
        self.history = [*self.history, row][-_HISTORY:]
        found = detect_collapse(self.history, self.shape, patience=self.collapse_patience)
        if found is None:
            return None
        # warned once per kind; with stop_on_collapse the loop's stop message says it
        if found.kind not in self.warned and distributed.is_main() and not self.stop_on_collapse:
            log.warning(found.message)
        self.warned.add(found.kind)
        return found.message

    def state_dict(self) -> dict[str, Any]:
        """Plain values for the checkpoint (``torch.load(weights_only=True)`` reads them)."""
        return {
            "history": self.history,
            "warned": sorted(self.warned),
            "shape": None if self.shape is None else [self.shape.rows, self.shape.dim],
            "early_stop": None if self.early_stop is None else self.early_stop.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = [dict(r) for r in state["history"]]
        self.warned = set(state["warned"])
        self.shape = None if state["shape"] is None else ProbeShape(*state["shape"])
        if self.early_stop is not None and state["early_stop"] is not None:
            self.early_stop.load_state_dict(state["early_stop"])


def _agree(stop: str | None, step: int, device: torch.device) -> str | None:
    """Under ``torch.distributed``, a stop on any rank is a stop on every rank."""
    if not distributed.is_distributed():
        return stop
    flag = distributed.all_reduce_max(torch.tensor([float(stop is not None)], device=device))
    if stop is None and bool(flag.item()):
        return f"stopping at step {step}: another rank's monitor asked to stop"
    return stop
