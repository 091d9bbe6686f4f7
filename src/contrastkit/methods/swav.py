"""SwAV: cluster the views online and predict one view's cluster code from another view."""

from __future__ import annotations

from typing import ClassVar, cast

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit.losses import SwAVLoss
from contrastkit.methods._checks import backbone_dim, check_step_count
from contrastkit.methods._parts import encode_crops, project_views
from contrastkit.nn.heads import swav_projection
from contrastkit.nn.prototypes import Prototypes
from contrastkit.nn.queue import FeatureQueue
from contrastkit.types import StepOutput, Views


class SwAV(nn.Module):
    """SwAV (Caron et al. 2020, https://arxiv.org/abs/2006.09882, Sec. 3).

    z = ĝ(f(x)) is the L2-normalised projection of each crop; the scores zᵀC against K
    prototypes C give, for the two large crops, equipartitioned codes q (Sinkhorn-Knopp,
    no gradient), and every crop predicts the codes of the other large crops with
    softmax(zᵀC / τ) (:class:`~contrastkit.losses.SwAVLoss`). The prototypes are put back
    on the unit sphere at the start of every step, as the authors' training loop does.

    Multi-crop: ``views.crops`` (small crops, if the data settings ask for them) go through
    the encoder as one extra batch, grouped by resolution as in the authors' code.

    ``freeze_prototypes_steps`` keeps the prototypes as initialised for that many optimiser
    steps (the authors' ``freeze_prototypes_niters``, 313: their first epoch): the loop calls
    :meth:`before_optimizer_step`, which drops the prototypes' gradient so the optimiser
    leaves them alone.

    The queue (``queue_length`` > 0; the authors: 3,840 rows for batches of 256, filled from
    epoch 15): each large crop's projections of the last ``queue_length`` rows seen, pushed
    from step ``queue_start_step`` on. Once it is full, Sinkhorn runs over the queued rows
    (scored against the current prototypes) and the batch together, and the batch keeps its
    own codes, so a small batch is not forced to spread evenly over K prototypes by itself.
    Under DDP the queue holds every rank's rows (:class:`~contrastkit.nn.queue.FeatureQueue`)
    and each rank hands Sinkhorn its own share of them, so the gathered totals count every
    queued row once.

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: g is Linear-BN-ReLU-Linear (paper: 2048 → 128).
        n_prototypes: K (paper: 3000 on ImageNet).
        temperature: τ of the prediction softmax (paper: 0.1).
        sinkhorn_iterations, epsilon: Sinkhorn's iterations and ε (paper: 3, 0.05).
        gather_distributed: Sinkhorn's prototype totals over every rank's batch.
        freeze_prototypes_steps: optimiser steps during which the prototypes do not train
            (authors: 313, one epoch); 0 trains them from the start.
        queue_length: rows kept per large crop for Sinkhorn (authors: 3840 at batch 256);
            0: no queue.
        queue_start_step: the optimiser step from which batches are pushed (authors: epoch
            15); the queue takes part once full.
    """

    steps_done: torch.Tensor  # only with a queue

    multi_crop: ClassVar[bool] = True  # the stream may add small crops (data.small_crops)

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 2048,
        projection_dim: int = 128,
        n_prototypes: int = 3000,
        temperature: float = 0.1,
        sinkhorn_iterations: int = 3,
        epsilon: float = 0.05,
        gather_distributed: bool = False,
        freeze_prototypes_steps: int = 0,
        queue_length: int = 0,
        queue_start_step: int = 0,
    ) -> None:
        super().__init__()
        for name, steps in (
            ("freeze_prototypes_steps", freeze_prototypes_steps),
            ("queue_length", queue_length),
            ("queue_start_step", queue_start_step),
        ):
            check_step_count(name, steps)
        self.freeze_prototypes_steps = freeze_prototypes_steps
        self.backbone = backbone
        self.projection = swav_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.prototypes = Prototypes(projection_dim, n_prototypes)
        self.queue_start_step = queue_start_step
        self.queues: nn.ModuleList | None = None
        if queue_length:  # one per large crop; a step counter only where a queue needs it
            self.queues = nn.ModuleList(
                FeatureQueue(queue_length, projection_dim) for _ in range(2)
            )
            self.register_buffer("steps_done", torch.zeros((), dtype=torch.long))
        self.criterion = SwAVLoss(
            temperature,
            sinkhorn_iterations,
            epsilon,
            assign_crops=2,
            gather_distributed=gather_distributed,
        )

    def training_step(self, views: Views) -> StepOutput:
        self.prototypes.normalize_()
        large = torch.cat([views.first, views.second])  # (2B, C, H, W)
        h = encode_crops(self.backbone, large, views.crops)  # ((2 + V)B, dim)
        z = F.normalize(self.projection(h), dim=1)  # ((2 + V)B, D), unit rows
        scores = self.prototypes(z).chunk(2 + len(views.crops))  # (2 + V) × (B, K)
        z1, z2 = z[: len(views.first)], z[len(views.first) : len(large)]
        loss = self.criterion(*scores, queued=self._queued_scores())
        queues = self._queues()
        if queues and int(self.steps_done) >= self.queue_start_step:
            for queue, rows in zip(queues, (z1, z2), strict=True):
                queue.push(rows)
        return StepOutput(loss, z1.detach(), z2.detach())

    @torch.no_grad()
    def _queued_scores(self) -> list[torch.Tensor] | None:
        """Each full queue's rows (this rank's share under DDP) against the current
        prototypes; None while there is no full queue."""
        queues = self._queues()
        if not queues or any(int(q.filled) < q.size for q in queues):
            return None
        gathered = self.criterion.gather_distributed  # Sinkhorn gathers: pass our share only
        rows = [q.share() if gathered else q.negatives() for q in queues]  # (≤ Q, D) each
        return [self.prototypes(r) for r in rows]

    def _queues(self) -> list[FeatureQueue]:
        return [] if self.queues is None else [cast(FeatureQueue, q) for q in self.queues]

    def before_optimizer_step(self, step: int) -> None:
        """During the first ``freeze_prototypes_steps`` steps, drop the prototypes'
        gradient: the optimiser skips a parameter without one. Counts steps for the queue."""
        if step < self.freeze_prototypes_steps:
            self.prototypes.weight.grad = None
        if self.queues is not None:
            self.steps_done += 1  # the queue's start clock; a buffer, so resume keeps it

    @property
    def encoder(self) -> nn.Module:
        """f, the representation h = f(x) kept after training. ``(B, C, H, W) → (B, dim)``."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch, for the monitor's probe (no side effects)."""
        return project_views(self.backbone, self.projection, views)
