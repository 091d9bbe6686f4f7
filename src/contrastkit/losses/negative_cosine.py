"""Negative cosine similarity, the SimSiam / BYOL regression loss."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.losses._checks import check_embeddings
from contrastkit.losses._precision import normalize


def negative_cosine(p: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    r"""Mean negative cosine similarity :math:`-\frac1N \sum_i \hat p_i \cdot \hat z_i`, in [−1, 1].

    The caller applies the stop-gradient: SimSiam's symmetric loss is
    ``0.5 * (negative_cosine(p1, z2.detach()) + negative_cosine(p2, z1.detach()))``.
    BYOL's ``2 − 2 cos`` equals ``2 + 2 * negative_cosine``.

    Args:
        p: predictor outputs.
        z: targets (projections of the other view, usually detached).

    Shapes: p (N, D), z (N, D), N ≥ 2 → scalar.

    Reference: Chen & He, "Exploring Simple Siamese Representation Learning", CVPR 2021,
    https://arxiv.org/abs/2011.10566, Eq. 1.

    Example:
        >>> p, z = torch.randn(8, 16), torch.randn(8, 16)
        >>> loss = negative_cosine(p, z.detach())
    """
    check_embeddings(p, z, names=("p", "z"))
    return -(normalize(p) * normalize(z)).sum(dim=1).mean()


class NegativeCosineLoss(nn.Module):
    """Module twin of :func:`negative_cosine`."""

    def forward(self, p: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return negative_cosine(p, z)
