"""``series_contrast``: instance contrast between two crops of a series (SimCLR's loss over a
dilated-convolution encoder), with the task's negatives: plain, debiased, hard, or plain with
a temporal exclusion window."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.methods._parts import two_view_loss
from contrastkit.nn.dilated_conv import DilatedConvEncoder
from contrastkit.nn.heads import simclr_projection
from contrastkit.tasks.series.views import SeriesViews
from contrastkit.types import StepOutput


class SeriesContrast(nn.Module):
    """h = f(x) (max over time of the dilated-conv features) is kept; z = g(h) is contrasted.

    Args:
        backbone: the series encoder (``.dim`` wide).
        projection_hidden, projection_dim: g, Linear-BN-ReLU-Linear.
        temperature: τ of the loss.
        negatives, tau_plus, beta: how in-batch negatives are weighed (``random`` NT-Xent,
            ``debiased``, ``hard``).
        gather_distributed: negatives from every rank.
    """

    def __init__(
        self,
        backbone: DilatedConvEncoder,
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
            backbone.dim, hidden=projection_hidden, out=projection_dim
        )
        self.criterion = two_view_loss(
            negatives,
            temperature=temperature,
            tau_plus=tau_plus,
            beta=beta,
            gather_distributed=gather_distributed,
            learnable_temperature=False,
        )

    def training_step(self, views: SeriesViews) -> StepOutput:
        z1, z2 = self.project(views)
        if views.exclude is not None:
            loss = self.criterion(z1, z2, exclude=views.exclude)
        else:
            loss = self.criterion(z1, z2)
        return StepOutput(loss, z1.detach(), z2.detach())

    def project(self, views: SeriesViews) -> tuple[torch.Tensor, torch.Tensor]:
        """g(f(x)) of both views in one batch of 2B (the crops have one length)."""
        z = self.projection(self.backbone(torch.cat([views.first, views.second])))
        z1, z2 = z.chunk(2)
        return z1, z2

    @property
    def encoder(self) -> nn.Module:
        """f: series ``(B, C, T)`` → ``(B, dim)``."""
        return self.backbone
