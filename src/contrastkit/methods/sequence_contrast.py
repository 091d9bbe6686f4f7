"""Instance contrast between two views of samples taken from sequences (crops of a time
series, frames of a video), with the negatives chosen on purpose: plain, debiased, hard, or
plain with a temporal exclusion window the task's stream builds into every batch.

The series task trains it as ``series_contrast`` (a dilated-conv encoder), the video task as
``frame_contrast`` (an image backbone over frames); what differs is the backbone and the
stream, not the method.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from contrastkit.methods._parts import two_view_loss
from contrastkit.nn import backbone_dim
from contrastkit.nn.heads import simclr_projection
from contrastkit.types import StepOutput


class SequenceViews(Protocol):
    """A batch of B samples: two views ``(B, …)`` of one shape, and the ``(B, W·B)`` mask of
    candidates that are no negatives of each sample (None: every other sample is one)."""

    @property
    def first(self) -> torch.Tensor: ...

    @property
    def second(self) -> torch.Tensor: ...

    @property
    def exclude(self) -> torch.Tensor | None: ...


class SequenceContrast(nn.Module):
    """h = f(x) is kept; z = g(h) is contrasted (SimCLR's NT-Xent over two views).

    Args:
        backbone: the encoder f (``.dim`` wide).
        projection_hidden, projection_dim: g, Linear-BN-ReLU-Linear.
        temperature: τ of the loss.
        negatives, tau_plus, beta: how in-batch negatives are weighed (``random`` NT-Xent,
            ``debiased``, ``hard``); a batch's exclusion mask needs ``random``.
        gather_distributed: negatives from every rank.
    """

    def __init__(
        self,
        backbone: nn.Module,
        *,
        projection_hidden: int = 128,
        projection_dim: int = 64,
        temperature: float = 0.1,
        negatives: str = "random",
        tau_plus: float = 0.1,
        beta: float = 1.0,
        gather_distributed: bool = False,
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
            learnable_temperature=False,
        )

    def training_step(self, views: SequenceViews) -> StepOutput:
        z1, z2 = self.project(views)
        if views.exclude is not None:
            loss = self.criterion(z1, z2, exclude=views.exclude)
        else:
            loss = self.criterion(z1, z2)
        return StepOutput(loss, z1.detach(), z2.detach())

    def project(self, views: SequenceViews) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch of 2B (the views have one shape)."""
        z = self.projection(self.backbone(torch.cat([views.first, views.second])))
        z1, z2 = z.chunk(2)
        return z1, z2

    @property
    def encoder(self) -> nn.Module:
        """f: a batch of samples → ``(B, dim)``."""
        return self.backbone
