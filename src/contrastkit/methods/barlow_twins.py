"""Barlow Twins: two views' embeddings, cross-correlated, pulled towards the identity."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.losses import BarlowTwinsLoss
from contrastkit.methods._checks import backbone_dim
from contrastkit.methods._parts import encode_views, project_views
from contrastkit.nn.heads import barlow_twins_projection
from contrastkit.types import StepOutput, Views


class BarlowTwins(nn.Module):
    """Barlow Twins (Zbontar et al. 2021, https://arxiv.org/abs/2103.03230, Algorithm 1).

    z = g(f(x)) for each view; the loss standardises every dimension over the batch and
    drives the cross-correlation matrix of the two views to the identity
    (:class:`~contrastkit.losses.BarlowTwinsLoss`). No negatives, no momentum encoder, no
    predictor: redundancy reduction alone prevents collapse. Each view passes the networks
    separately, as in the authors' code, so BN statistics are per view.

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: g has three linear layers, BN and ReLU after the
            first two (paper: 8192, 8192, 8192).
        lambda_offdiag: λ, the off-diagonal weight (paper: 5·10⁻³).
        gather_distributed: standardise and correlate over the global batch.
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 8192,
        projection_dim: int = 8192,
        lambda_offdiag: float = 5e-3,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.projection = barlow_twins_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.criterion = BarlowTwinsLoss(lambda_offdiag, gather_distributed=gather_distributed)

    def training_step(self, views: Views) -> StepOutput:
        z1, z2 = encode_views(self.backbone, self.projection, views)  # (B, D) each
        return StepOutput(self.criterion(z1, z2), z1.detach(), z2.detach())

    @property
    def encoder(self) -> nn.Module:
        """f, the representation h = f(x) kept after training. ``(B, C, H, W) → (B, dim)``."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch, for the monitor's probe (no side effects)."""
        return project_views(self.backbone, self.projection, views)
