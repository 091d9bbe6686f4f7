"""SupCon: contrastive pre-training where every sample of the same class is a positive."""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit.losses import SupConLoss
from contrastkit.methods._checks import backbone_dim
from contrastkit.methods._parts import project_views
from contrastkit.nn.heads import supcon_projection
from contrastkit.types import StepOutput, Views


class SupCon(nn.Module):
    """Supervised contrastive learning (Khosla et al. 2020, https://arxiv.org/abs/2004.11362).

    Two augmented views of each sample pass the shared encoder f and projection g as one
    batch of 2B; :class:`~contrastkit.losses.SupConLoss` (L_out, Eq. 2) treats every other
    row of the same class — the sample's other view and every view of its classmates — as
    a positive. Needs labels: ``views.labels`` must hold a class ≥ 0 for every sample.

    Args:
        backbone: encoder f exposing ``.dim``.
        projection_hidden, projection_dim: g is Linear-ReLU-Linear (paper: 2048 → 128).
        temperature: τ (paper: 0.1).
        gather_distributed: contrast against the rows (and labels) of every rank.
        num_classes: > 0 adds a linear classifier on h trained with cross-entropy beside the
            contrastive term — the few-labels fine-tuning recipe (pre-train, then train both
            terms on the labelled subset); ``predict`` then gives its classes.
        contrastive_weight, supervised_weight: the weights of the SupCon and cross-entropy
            terms; ``contrastive_weight=0`` is supervised-only training (the baseline).

    Raises:
        ValueError: at the first step, when the batch has no labels or an unlabelled (−1)
            sample.
    """

    needs_labels: ClassVar[bool] = True  # the engine refuses an unlabelled data source

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 2048,
        projection_dim: int = 128,
        temperature: float = 0.1,
        gather_distributed: bool = False,
        num_classes: int = 0,
        contrastive_weight: float = 1.0,
        supervised_weight: float = 1.0,
    ) -> None:
        super().__init__()
        if num_classes < 0 or contrastive_weight < 0 or supervised_weight < 0:
            raise ValueError("num_classes and the two weights must be >= 0")
        if contrastive_weight == 0 and num_classes == 0:
            raise ValueError("contrastive_weight=0 leaves no loss; set num_classes > 0")
        self.backbone = backbone
        self.projection = supcon_projection(
            backbone_dim(backbone), hidden=projection_hidden, out=projection_dim
        )
        self.criterion = SupConLoss(temperature, gather_distributed=gather_distributed)
        self.classifier = nn.Linear(backbone_dim(backbone), num_classes) if num_classes else None
        self.contrastive_weight, self.supervised_weight = contrastive_weight, supervised_weight

    def training_step(self, views: Views) -> StepOutput:
        labels = views.labels
        if labels is None or bool((labels < 0).any()):
            raise ValueError(
                "supcon needs a labelled dataset (a class >= 0 for every sample); use a "
                "labelled source (fashion-mnist, a folder with class sub-folders, an npz "
                "with labels) or a self-supervised method such as simclr."
            )
        x = torch.cat([views.first, views.second])  # (2B, C, H, W)
        h = self.backbone(x)  # (2B, dim)
        z = self.projection(h)  # (2B, D)
        z1, z2 = z.chunk(2)  # (B, D) each
        both = labels.repeat(2)  # row i and i + B share sample i's class
        loss = self.contrastive_weight * self.criterion(z, both)
        if self.classifier is not None:
            logits = self.classifier(h)  # (2B, classes); float32 at least under autocast
            logits = logits.to(torch.promote_types(logits.dtype, torch.float32))
            loss = loss + self.supervised_weight * F.cross_entropy(logits, both)
        return StepOutput(loss, z1.detach(), z2.detach())

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Classes from the classifier (``num_classes > 0``). ``(B, C, H, W) → (B,)``."""
        if self.classifier is None:
            raise ValueError("this SupCon has no classifier; build it with num_classes > 0")
        return self.classifier(self.backbone(x)).argmax(dim=1)

    @property
    def encoder(self) -> nn.Module:
        """f, the representation h = f(x) kept after training. ``(B, C, H, W) → (B, dim)``."""
        return self.backbone

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch, for the monitor's probe (no side effects)."""
        return project_views(self.backbone, self.projection, views)
