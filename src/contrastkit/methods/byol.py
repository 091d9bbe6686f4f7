"""BYOL: an online network predicts the projection of a slowly moving target network."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.losses import negative_cosine
from contrastkit.methods._checks import backbone_dim, check_base_momentum
from contrastkit.methods._parts import encode_views, project_views
from contrastkit.nn.heads import byol_predictor, byol_projection
from contrastkit.nn.momentum import ema_update_, frozen_copy
from contrastkit.types import StepOutput, Views


class BYOL(nn.Module):
    """BYOL (Grill et al. 2020, https://arxiv.org/abs/2006.07733, Sec. 3.1).

    The online network is encoder f, projector g and predictor q; the target network
    (f', g') is an EMA of (f, g) updated by :meth:`update_target`, and takes no gradient.
    With z'ᵢ = g'(f'(xᵢ)) and pᵢ = q(g(f(xᵢ))), the symmetrised loss (Eq. 2 plus its
    view-swapped twin L̃) is

        L = ‖p̂₁ − ẑ'₂‖² + ‖p̂₂ − ẑ'₁‖² = (2 − 2 cos(p₁, z'₂)) + (2 − 2 cos(p₂, z'₁)),

    each term averaged over the batch. No negatives: the predictor and the slow target keep
    it from collapsing. Each view passes the networks separately, as in the authors' code.

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: g is Linear-BN-ReLU-Linear (paper: 4096 → 256).
        predictor_hidden: q's hidden width; default ``projection_hidden`` ("the same
            architecture as g").
        base_momentum: τ_base, the target's EMA rate at step 0, raised to 1 on a cosine
            (paper: 0.996).
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 4096,
        projection_dim: int = 256,
        predictor_hidden: int | None = None,
        base_momentum: float = 0.996,
    ) -> None:
        super().__init__()
        check_base_momentum(base_momentum)
        self.base_momentum = base_momentum
        self.backbone = backbone
        self.projection = byol_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.predictor = byol_predictor(
            projection_dim, hidden=predictor_hidden or projection_hidden
        )
        self.target_backbone = frozen_copy(self.backbone)
        self.target_projection = frozen_copy(self.projection)

    def training_step(self, views: Views) -> StepOutput:
        z1, z2 = encode_views(self.backbone, self.projection, views)  # (B, D) each
        p1, p2 = self.predictor(z1), self.predictor(z2)  # (B, D) each
        with torch.no_grad():
            t1, t2 = encode_views(self.target_backbone, self.target_projection, views)  # z'₁, z'₂
        # 2 − 2 cos = 2 + 2 · negative_cosine, summed over the two directions
        loss = 4 + 2 * (negative_cosine(p1, t2) + negative_cosine(p2, t1))
        return StepOutput(loss, z1.detach(), z2.detach())

    @torch.no_grad()
    def update_target(self, momentum: float) -> None:
        """ξ ← τ·ξ + (1 − τ)·θ for the target (f', g'); the loop calls it after each step."""
        ema_update_(self.target_backbone, self.backbone, momentum)
        ema_update_(self.target_projection, self.projection, momentum)

    @property
    def encoder(self) -> nn.Module:
        """f, the representation y = f(x) kept after training. ``(B, C, H, W) → (B, dim)``."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch, for the monitor's probe (no side effects)."""
        return project_views(self.backbone, self.projection, views)
