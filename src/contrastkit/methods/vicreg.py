"""VICReg: invariance between two views, variance and covariance regularisation within each."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.losses import VICRegLoss
from contrastkit.methods._checks import backbone_dim
from contrastkit.methods._parts import encode_views, project_views
from contrastkit.nn.heads import vicreg_projection
from contrastkit.types import StepOutput, Views


class VICReg(nn.Module):
    """VICReg (Bardes, Ponce & LeCun 2022, https://arxiv.org/abs/2105.04906, Sec. 3).

    z = h(f(x)) for each view, through the "expander" h; the loss
    (:class:`~contrastkit.losses.VICRegLoss`) pulls the two views together (invariance)
    while keeping every dimension's std above 1 (variance) and the dimensions uncorrelated
    (covariance). Each view passes the networks separately, as in the authors' code.

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: the expander has three linear layers, BN and ReLU
            after the first two (paper: 8192, 8192, 8192).
        sim_coeff, std_coeff, cov_coeff: λ, μ, ν (paper: 25, 25, 1).
        gather_distributed: variance and covariance over the global batch.
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 8192,
        projection_dim: int = 8192,
        sim_coeff: float = 25.0,
        std_coeff: float = 25.0,
        cov_coeff: float = 1.0,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.projection = vicreg_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.criterion = VICRegLoss(
            sim_coeff, std_coeff, cov_coeff, gather_distributed=gather_distributed
        )

    def training_step(self, views: Views) -> StepOutput:
        z1, z2 = encode_views(self.backbone, self.projection, views)  # (B, D) each
        return StepOutput(self.criterion(z1, z2), z1.detach(), z2.detach())

    @property
    def encoder(self) -> nn.Module:
        """f, the representation y = f(x) kept after training. ``(B, C, H, W) → (B, dim)``."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch, for the monitor's probe (no side effects)."""
        return project_views(self.backbone, self.projection, views)
