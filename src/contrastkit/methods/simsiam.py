"""SimSiam: a Siamese network, a predictor and a stop-gradient; no negatives, no EMA."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.losses import negative_cosine
from contrastkit.methods._checks import backbone_dim
from contrastkit.methods._parts import encode_views, project_views
from contrastkit.nn.heads import simsiam_predictor, simsiam_projection
from contrastkit.types import StepOutput, Views


class SimSiam(nn.Module):
    """SimSiam (Chen & He 2021, https://arxiv.org/abs/2011.10566, Algorithm 1).

    z = g(f(x)) through encoder f and projector g, p = h(z) through predictor h, and

        L = ½ D(p₁, stopgrad(z₂)) + ½ D(p₂, stopgrad(z₁)),   D(p, z) = −cos(p, z)   (Eq. 1–4)

    The stop-gradient and the predictor together keep it from collapsing (Sec. 4.1–4.2).
    ``predictor=False`` replaces h by the identity, the paper's Table 1 ablation that
    collapses: the logged ``std_normalized`` then falls towards 0.

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: g is 3 layers with BN on each, output BN included
            (paper: 2048, 2048).
        predictor_hidden: h's bottleneck (paper: 512, a quarter of the output).
        predictor: build h; False is the collapsing ablation.
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 2048,
        projection_dim: int = 2048,
        predictor_hidden: int = 512,
        predictor: bool = True,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.projection = simsiam_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.predictor: nn.Module = (
            simsiam_predictor(projection_dim, hidden=predictor_hidden)
            if predictor
            else nn.Identity()
        )

    def training_step(self, views: Views) -> StepOutput:
        z1, z2 = encode_views(self.backbone, self.projection, views)  # (B, D) each
        p1, p2 = self.predictor(z1), self.predictor(z2)  # (B, D) each
        loss = 0.5 * (negative_cosine(p1, z2.detach()) + negative_cosine(p2, z1.detach()))
        return StepOutput(loss, z1.detach(), z2.detach())

    @property
    def encoder(self) -> nn.Module:
        """f, the representation h = f(x) kept after training. ``(B, C, H, W) → (B, dim)``."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch, for the monitor's probe (no side effects)."""
        return project_views(self.backbone, self.projection, views)
