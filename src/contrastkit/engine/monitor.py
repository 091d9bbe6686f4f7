"""Monitoring in the loop: cheap health numbers of a fixed probe batch every N steps.

Every ``every`` optimiser steps the loop hands the method to :meth:`Monitor.observe`, which

1. projects a **fixed probe batch** — the first batch of epoch 0, augmented once under its
   own seed when the run starts — through the method's ``projection(backbone(x))``, both
   views in one batch, under ``no_grad``, and measures alignment, uniformity, effective
   rank, std of normalised embeddings, positive/negative gap and in-batch top-1 accuracy
   (``probe_*``), plus the temperature (and dL/dτ when it is learnable);
2. every ``knn_every`` steps, if asked, the weighted kNN accuracy on a labelled validation
   subset (``knn_accuracy``);
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

**Fallback.** A method without ``backbone`` and ``projection`` modules (DINO keeps student
and teacher heads of its own) cannot project arbitrary views without side effects, so its
``probe_*`` numbers come from that step's own detached ``z1, z2`` instead.

Under ``torch.distributed`` every rank observes (the SyncBatchNorm of the probe forward needs
them all); a stop on any rank stops every rank, and only the main rank logs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping
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
from contrastkit.engine.views import ViewStream
from contrastkit.losses import LearnableTemperature
from contrastkit.types import StepOutput, Views

log = logging.getLogger(__name__)

_PROBE_SEED = -1  # step_seed(seed, -1): a seed no training step uses
_HISTORY = 32  # probe rows kept for the collapse rules (more than any sane patience)


def draw_probe(stream: ViewStream, seed: int, device: torch.device) -> Views:
    """The fixed probe batch: the first batch of epoch 0, augmented under its own seed.

    Drawn inside ``fork_rng``, so the training's random streams are untouched. Small crops
    (multi-crop) are dropped: the probe compares the two large views.
    """
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(step_seed(seed, _PROBE_SEED))
        views = next(iter(stream.epoch(0)))
    if not isinstance(views, Views):
        raise TypeError("the probe batch needs image views; text runs have no monitor")
    return Views(views.first, views.second, views.labels)


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
def probe_projections(method: nn.Module, probe: Views) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``projection(backbone(x))`` of both probe views, or None for a method without them."""
    backbone, projection = getattr(method, "backbone", None), getattr(method, "projection", None)
    if not isinstance(backbone, nn.Module) or not isinstance(projection, nn.Module):
        return None
    with frozen_norm_statistics(method):
        z = projection(backbone(torch.cat([probe.first, probe.second])))  # (2B, D)
    z1, z2 = z.float().chunk(2)  # (B, D) each
    return z1, z2


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


class KnnCheck:
    """Weighted kNN accuracy (InstDisc) on a fixed labelled subset of the validation split.

    ``samples`` images are drawn once with ``seed``; the first half is the labelled memory
    bank, the second half the queries. The encoder ``method.embed`` runs in eval mode (the
    representation kept after training), on images prepared by ``prepare`` (the evaluation
    transform).
    """

    def __init__(
        self,
        data: Any,  # ImageArrays or a Dataset of (uint8 (C, H, W), label)
        prepare: Callable[[torch.Tensor], torch.Tensor],
        *,
        samples: int,
        k: int,
        temperature: float,
        device: torch.device,
        seed: int,
    ) -> None:
        n = min(samples, len(data))
        if n < 4:
            raise ValueError(f"the kNN check needs at least 4 validation images, got {n}")
        idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:n]
        self.bank, self.queries = _take(data, idx[: n // 2]), _take(data, idx[n // 2 :])
        self.prepare, self.k, self.temperature, self.device = prepare, k, temperature, device

    def __call__(self, method: nn.Module) -> float:
        from contrastkit.engine.embed import embed_images
        from contrastkit.evaluation import knn_accuracy

        encoder = getattr(method, "embed")  # noqa: B009 (a method without embed fails here)
        was_training = method.training
        method.eval()
        try:
            bank_x, bank_y = embed_images(
                encoder, self.bank, self.prepare, device=self.device, progress=False
            )
            query_x, query_y = embed_images(
                encoder, self.queries, self.prepare, device=self.device, progress=False
            )
        finally:
            method.train(was_training)
        if (bank_y < 0).any() or (query_y < 0).any():
            raise ValueError(
                "monitor.knn_every needs labelled validation images; set data.eval_source "
                "to labelled data or leave monitor.knn_every unset"
            )
        classes = int(max(bank_y.max(), query_y.max())) + 1
        return knn_accuracy(
            bank_x,
            bank_y,
            query_x,
            query_y,
            k=min(self.k, len(bank_y)),
            temperature=self.temperature,
            num_classes=classes,
        )


def _take(data: Any, idx: torch.Tensor) -> Any:
    if hasattr(data, "subset"):
        return data.subset(idx)
    return torch.utils.data.Subset(data, idx.tolist())


@dataclass(frozen=True)
class Observation:
    values: dict[str, float]  # what to add to this step's metrics row
    improved: bool = False  # the early-stopping metric reached a new best: keep best.pt
    stop: str | None = None  # why the run should stop now, or None


@dataclass
class Monitor:
    """What the loop calls every ``every`` steps; see the module docstring.

    ``every`` = 0 turns the probe off (the kNN check may still run every ``knn_every``).
    """

    probe: Views | None
    every: int = 50
    collapse_patience: int = 3
    stop_on_collapse: bool = False
    early_stop: EarlyStopping | None = None
    knn: KnnCheck | None = None
    knn_every: int | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    warned: set[str] = field(default_factory=set)
    shape: ProbeShape | None = None

    def due(self, step: int) -> bool:
        return self._probe_due(step) or self._knn_due(step)

    def _probe_due(self, step: int) -> bool:
        return self.every > 0 and step % self.every == 0

    def _knn_due(self, step: int) -> bool:
        return self.knn is not None and self.knn_every is not None and step % self.knn_every == 0

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
        if self._knn_due(step):
            assert self.knn is not None
            values["knn_accuracy"] = self.knn(method)
        improved = False
        if self.early_stop is not None and self.early_stop.metric in values:
            verdict = self.early_stop.update(step, values[self.early_stop.metric])
            improved, stop = verdict.improved, stop or verdict.stop
        return Observation(values, improved, _agree(stop, step, out.loss.device))

    def measure(self, method: nn.Module, out: StepOutput) -> dict[str, float]:
        """The ``probe_*`` numbers of this check (the probe batch, else this step's z1, z2)."""
        projected = probe_projections(method, self.probe) if self.probe is not None else None
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
