"""MoCo v3: no queue; a predicted query against the momentum keys of the other view."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.losses import InfoNCELoss
from contrastkit.methods._checks import backbone_dim, check_base_momentum
from contrastkit.methods._parts import encode_views, project_views
from contrastkit.nn.heads import moco_v3_predictor, moco_v3_projection
from contrastkit.nn.momentum import ema_update_, frozen_copy
from contrastkit.types import StepOutput, Views


class MoCoV3(nn.Module):
    """MoCo v3 (Chen, Xie & He 2021, https://arxiv.org/abs/2104.02057, Algorithm 1).

    q = h(g(f(x))) passes the query through projector g and predictor h; k = g'(f'(x)) comes
    from the momentum encoder (f', g'), an EMA of (f, g). The negatives are the batch's other
    keys, no queue:

        L = ctr(q₁, k₂) + ctr(q₂, k₁),   ctr(q, k) = 2τ · CE(q̂ k̂ᵀ / τ, arange(N))

    The 2τ factor is the authors' (Algorithm 1 and their code); it cancels the 1/τ in the
    gradient with respect to the cosine similarities. Each view
    passes the encoders separately, as in the authors' code, so BN statistics are per view.
    Under DDP (``gather_distributed``) the keys of every rank are gathered and the labels
    offset by ``rank · N``, exactly as the authors' ``concat_all_gather``; keys carry no
    gradient, so nothing flows back through the gather.

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: g is in → hidden → out with BN on every layer;
            h is out → hidden → out (paper: 4096, 256).
        temperature: τ (authors: 1.0 for ResNet-50, 0.2 for ViT).
        base_momentum: m at step 0, raised to 1 on a cosine (paper: 0.99).
        gather_distributed: keys from every rank.
        learnable_temperature: learn τ from ``temperature`` on, clamped to [0.01, 1] as in
            CLIP (Radford et al. 2021); the paper keeps τ fixed. The
            loss keeps the authors' 2τ scale with the current τ, as a constant.
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 4096,
        projection_dim: int = 256,
        temperature: float = 1.0,
        base_momentum: float = 0.99,
        gather_distributed: bool = False,
        learnable_temperature: bool = False,
    ) -> None:
        super().__init__()
        check_base_momentum(base_momentum)
        self.base_momentum = base_momentum
        self.temperature = temperature
        self.backbone = backbone
        self.projection = moco_v3_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.predictor = moco_v3_predictor(projection_dim, hidden=projection_hidden)
        self.target_backbone = frozen_copy(self.backbone)
        self.target_projection = frozen_copy(self.projection)
        self.criterion = InfoNCELoss(
            temperature,
            gather_distributed=gather_distributed,
            learnable_temperature=learnable_temperature,
        )

    def training_step(self, views: Views) -> StepOutput:
        z1, z2 = encode_views(self.backbone, self.projection, views)  # (B, D) each
        q1, q2 = self.predictor(z1), self.predictor(z2)  # (B, D) each
        with torch.no_grad():
            k1, k2 = encode_views(self.target_backbone, self.target_projection, views)
        ctr = self.criterion(q1, k2) + self.criterion(q2, k1)
        tau = self.criterion.current_temperature()  # the authors' 2τ scale, a constant
        return StepOutput(2 * tau * ctr, z1.detach(), z2.detach())

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
