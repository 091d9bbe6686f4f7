"""NNCLR: the positive of a view is the nearest neighbour of the other view in a support set."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit.losses import InfoNCELoss
from contrastkit.methods._checks import backbone_dim
from contrastkit.methods._parts import encode_views, project_views
from contrastkit.nn.heads import nnclr_predictor, nnclr_projection
from contrastkit.nn.queue import FeatureQueue, nearest_neighbours
from contrastkit.types import StepOutput, Views


class NNCLR(nn.Module):
    """NNCLR (Dwibedi et al. 2021, https://arxiv.org/abs/2104.14548, Sec. 3).

    z = g(f(x)) through encoder f and projector g, p = h(z) through predictor h. The
    support set Q is a queue of past first-view projections. With NN(z, Q) the row of Q
    most similar to z (no gradient), the loss of Eq. 2, symmetrised over the two views, is

        L = ½ InfoNCE(NN(z₁, Q), p₂) + ½ InfoNCE(NN(z₂, Q), p₁),

    where row i of NN(z₁, Q) must pick p₂ᵢ among all p₂ of the batch. The gradient reaches
    the network only through p. Before the first push Q is empty and z itself stands in for
    its neighbour (one SimCLR-like step). Under DDP (``gather_distributed``) the predictions
    of every rank are the candidates, and Q enqueues the projections of every rank.

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: g is 3 layers with BN on each, output included
            (paper: 2048, 256).
        predictor_hidden: h's hidden width (paper: 4096).
        temperature: τ (paper: 0.1).
        support_size: |Q| (paper: 98,304).
        gather_distributed: candidates from every rank (full gradient).
        learnable_temperature: learn τ from ``temperature`` on, clamped to [0.01, 1] as in
            CLIP (Radford et al. 2021); the paper keeps τ fixed.
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 2048,
        projection_dim: int = 256,
        predictor_hidden: int = 4096,
        temperature: float = 0.1,
        support_size: int = 98304,
        gather_distributed: bool = False,
        learnable_temperature: bool = False,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.projection = nnclr_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.predictor = nnclr_predictor(projection_dim, hidden=predictor_hidden)
        self.support = FeatureQueue(support_size, projection_dim)
        self.criterion = InfoNCELoss(
            temperature,
            gather_distributed=gather_distributed,
            learnable_temperature=learnable_temperature,
        )

    def training_step(self, views: Views) -> StepOutput:
        z1, z2 = encode_views(self.backbone, self.projection, views)  # (B, D) each
        p1, p2 = self.predictor(z1), self.predictor(z2)  # (B, D) each
        support = self.support.negatives()  # (|Q'|, D), the rows pushed so far
        nn1, nn2 = self._neighbours(z1, support), self._neighbours(z2, support)  # (B, D) each
        loss = 0.5 * (self.criterion(nn1, p2) + self.criterion(nn2, p1))
        self.support.push(F.normalize(z1.detach(), dim=1))
        return StepOutput(loss, z1.detach(), z2.detach())

    @staticmethod
    def _neighbours(z: torch.Tensor, support: torch.Tensor) -> torch.Tensor:
        if support.shape[0] == 0:
            return z.detach()
        return nearest_neighbours(z, support)

    @property
    def encoder(self) -> nn.Module:
        """f, the representation h = f(x) kept after training. ``(B, C, H, W) → (B, dim)``."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch, for the monitor's probe (no side effects)."""
        return project_views(self.backbone, self.projection, views)
