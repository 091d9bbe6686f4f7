"""MoCo v2: a query encoder, its momentum (EMA) key encoder, and a queue of past keys."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit import distributed
from contrastkit.losses import InfoNCELoss
from contrastkit.methods._checks import backbone_dim, check_base_momentum
from contrastkit.methods._parts import project_views
from contrastkit.nn.heads import moco_v2_projection
from contrastkit.nn.momentum import ema_update_, frozen_copy
from contrastkit.nn.queue import FeatureQueue
from contrastkit.types import StepOutput, Views


class MoCoV2(nn.Module):
    """MoCo v2 (He et al. 2020, https://arxiv.org/abs/1911.05722; Chen et al. 2020,
    https://arxiv.org/abs/2003.04297).

    q = g(f(x₁)) is the query; k = g'(f'(x₂)) the key from the momentum encoder (f', g'),
    an EMA of (f, g) updated by :meth:`update_target`. The loss is InfoNCE of q against its
    key, with the queue of the last K keys as negatives; then the keys are enqueued.

    Differences from the paper, each deliberate:

    * ``info_nce`` also counts the batch's other keys as negatives (the paper's logits are
      ``[l_pos, l_neg]``, queue only). B − 1 extra columns beside K ≫ B change little, and
      the loss is well defined before the first push, when our queue is empty (the authors'
      code fills it with random vectors instead).
    * The loop ramps the momentum from ``base_momentum`` to 1 on BYOL's cosine schedule; the
      paper keeps m = 0.999 constant.
    * No Shuffle BN. On one process the key encoder's batch statistics see only the key
      batch. Under DDP the queue enqueues the keys gathered from every rank (see
      :class:`FeatureQueue`), the loss counts every rank's keys as in-batch negatives (so
      2 ranks × B/2 equal 1 process × B; the shared queue is not gathered again), and on
      GPU the loop's SyncBatchNorm computes BN over the global batch, which also removes the
      per-GPU statistics Shuffle BN was made to hide ("global BN", SimCLR Sec. 2.2).

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: g is Linear-ReLU-Linear (paper: 2048 → 128).
        temperature: τ (paper: 0.2).
        queue_size: K (paper: 65,536).
        base_momentum: m at step 0 (paper: 0.999).
        learnable_temperature: learn τ from ``temperature`` on, clamped to [0.01, 1] as in
            CLIP (Radford et al. 2021); the paper keeps τ fixed.
        gather_distributed: the other ranks' keys are in-batch negatives too.
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 2048,
        projection_dim: int = 128,
        temperature: float = 0.2,
        queue_size: int = 65536,
        base_momentum: float = 0.999,
        learnable_temperature: bool = False,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        check_base_momentum(base_momentum)
        self.gather_distributed = gather_distributed
        self.base_momentum = base_momentum
        self.backbone = backbone
        self.projection = moco_v2_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.target_backbone = frozen_copy(self.backbone)
        self.target_projection = frozen_copy(self.projection)
        self.queue = FeatureQueue(queue_size, projection_dim)
        self.criterion = InfoNCELoss(temperature, learnable_temperature=learnable_temperature)

    def training_step(self, views: Views) -> StepOutput:
        q = self.projection(self.backbone(views.first))  # (B, D)
        with torch.no_grad():
            k = self.target_projection(self.target_backbone(views.second))  # (B, D)
        negatives = self.queue.negatives()  # (K', D), K' ≤ K
        if self.gather_distributed:  # the other ranks' keys, then the queue
            negatives = torch.cat([distributed.gather_others(k), negatives])
        loss = self.criterion(q, k, negatives)
        self.queue.push(F.normalize(k, dim=1))
        return StepOutput(loss, q.detach(), k)

    @torch.no_grad()
    def update_target(self, momentum: float) -> None:
        """(f', g') ← m·(f', g') + (1 − m)·(f, g); the loop calls it after each step."""
        ema_update_(self.target_backbone, self.backbone, momentum)
        ema_update_(self.target_projection, self.projection, momentum)

    @property
    def encoder(self) -> nn.Module:
        """f, the representation h = f(x) kept after training. ``(B, C, H, W) → (B, dim)``."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch, for the monitor's probe (no side effects)."""
        return project_views(self.backbone, self.projection, views)
