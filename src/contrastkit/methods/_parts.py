"""Encoder passes the methods share: two views one at a time, or every crop by resolution."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from contrastkit.types import Views


def encode_views(
    backbone: nn.Module, head: nn.Module, views: Views
) -> tuple[torch.Tensor, torch.Tensor]:
    """z₁, z₂ = head(backbone(x)) of the two views, one pass per view, so batch-norm
    statistics are per view, as in the authors' code of BYOL, MoCo v3, SimSiam, NNCLR,
    Barlow Twins and VICReg. (SimCLR and SupCon pass both views as one batch instead.)

    Shapes: views.first, views.second (B, C, H, W) → z₁, z₂ (B, D).
    """
    return head(backbone(views.first)), head(backbone(views.second))


def encode_crops(
    backbone: nn.Module, large: torch.Tensor, crops: Sequence[torch.Tensor]
) -> torch.Tensor:
    """f of the large crops, then of the small ones: one encoder pass per resolution, as
    the SwAV and DINO authors' ``MultiCropWrapper``.

    Shapes: large (2B, C, H, W), crops V × (B, C, h, w) → ((2 + V)B, dim), large rows first.
    """
    h = [backbone(large)]
    if crops:
        h.append(backbone(torch.cat(list(crops))))  # (VB, C, h, w) → (VB, dim)
    return torch.cat(h)


def project_views(
    backbone: nn.Module, head: nn.Module, views: Views
) -> tuple[torch.Tensor, torch.Tensor]:
    """head(backbone(x)) of both views as one batch of 2B, split back: what
    :class:`~contrastkit.methods.base.Projects` asks for the monitor's probe.

    Shapes: views.first, views.second (B, C, H, W) → z₁, z₂ (B, D).
    """
    z = head(backbone(torch.cat([views.first, views.second])))  # (2B, D)
    z1, z2 = z.chunk(2)
    return z1, z2


NEGATIVES = ("random", "debiased", "hard")


def two_view_loss(
    negatives: str,
    *,
    temperature: float,
    tau_plus: float,
    beta: float,
    gather_distributed: bool,
    learnable_temperature: bool,
) -> nn.Module:
    """The InfoNCE loss over two views with its negatives weighed as ``negatives`` says:
    ``random`` NT-Xent (every in-batch negative alike), ``debiased`` (Chuang et al. 2020: the
    share ``tau_plus`` of same-class "negatives" corrected for), ``hard`` (Robinson et al.
    2021: negatives reweighted by exp(β·similarity), debiased too)."""
    from contrastkit.losses import DebiasedInfoNCELoss, HardNegativeInfoNCELoss, NTXentLoss

    if negatives not in NEGATIVES:
        raise ValueError(f"negatives must be one of {', '.join(NEGATIVES)}, got {negatives!r}")
    if negatives != "random" and learnable_temperature:
        raise ValueError(f"learnable_temperature works with negatives='random', not {negatives!r}")
    if negatives == "debiased":
        return DebiasedInfoNCELoss(temperature, tau_plus, gather_distributed)
    if negatives == "hard":
        return HardNegativeInfoNCELoss(temperature, tau_plus, beta, gather_distributed)
    return NTXentLoss(temperature, gather_distributed, learnable_temperature)
