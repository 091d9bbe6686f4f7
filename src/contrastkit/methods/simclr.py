"""SimCLR: two augmented views, a shared encoder and projection head, NT-Xent between them."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.methods._checks import backbone_dim
from contrastkit.methods._parts import project_views, two_view_loss
from contrastkit.nn.heads import simclr_projection
from contrastkit.types import StepOutput, Views


class SimCLR(nn.Module):
    """SimCLR (Chen et al. 2020, https://arxiv.org/abs/2002.05709).

    h = f(x) is the representation kept after training; z = g(h) the projection the loss
    sees. Both views go through the encoder in one batch of 2B, as in the authors' code, so
    batch-norm statistics cover both views (their "global BN" under DDP is SyncBatchNorm).

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: g is Linear-BN-ReLU-Linear (paper: 2048 → 128).
        temperature: τ of NT-Xent (paper: 0.5 at batch 256, 0.1 at batch 4096).
        gather_distributed: negatives from every rank (full gradient).
        learnable_temperature: learn τ from ``temperature`` on, clamped to [0.01, 1] as in
            CLIP (Radford et al. 2021); the paper keeps τ fixed.
        negatives: ``random`` (NT-Xent), ``debiased`` (Chuang et al. 2020, with ``tau_plus``)
            or ``hard`` (Robinson et al. 2021, with ``tau_plus`` and ``beta``): how the
            in-batch negatives are weighed (:func:`~contrastkit.methods._parts.two_view_loss`).
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 2048,
        projection_dim: int = 128,
        temperature: float = 0.5,
        gather_distributed: bool = False,
        learnable_temperature: bool = False,
        negatives: str = "random",
        tau_plus: float = 0.1,
        beta: float = 1.0,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.projection = simclr_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.criterion = two_view_loss(
            negatives,
            temperature=temperature,
            tau_plus=tau_plus,
            beta=beta,
            gather_distributed=gather_distributed,
            learnable_temperature=learnable_temperature,
        )

    def training_step(self, views: Views) -> StepOutput:
        x = torch.cat([views.first, views.second])  # (2B, C, H, W)
        z = self.projection(self.backbone(x))  # (2B, D)
        z1, z2 = z.chunk(2)  # (B, D) each
        return StepOutput(self.criterion(z1, z2), z1.detach(), z2.detach())

    @property
    def encoder(self) -> nn.Module:
        """f, the representation h = f(x) kept after training. ``(B, C, H, W) → (B, dim)``."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch, for the monitor's probe (no side effects)."""
        return project_views(self.backbone, self.projection, views)
