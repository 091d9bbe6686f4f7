"""Distance-margin losses: triplet (Schroff 2015) and pairwise contrastive (Hadsell 2006).

Both work on raw Euclidean distances, not cosines: normalise first if you want the
hypersphere. Distances use ``torch.linalg.vector_norm``, whose gradient at 0 is 0.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit.losses._checks import check_embeddings, check_finite, check_margin
from contrastkit.losses._precision import upcast


def triplet_margin(
    a: torch.Tensor, p: torch.Tensor, n: torch.Tensor, *, margin: float = 1.0
) -> torch.Tensor:
    r"""Triplet margin loss: the negative must be ``margin`` farther than the positive.

    .. math:: L = \frac{1}{N} \sum_i \max(0,\ \lVert a_i - p_i \rVert - \lVert a_i - n_i \rVert + m)

    Args:
        a, p, n: anchors, positives, negatives; row i forms one triplet.
        margin: m ≥ 0 (FaceNet uses 0.2 on unit-norm embeddings).

    Shapes: a, p, n (N, D), N ≥ 2 → scalar.

    Pair it with a miner (batch-hard, semi-hard) to pick informative negatives.

    Reference: Schroff et al., "FaceNet", CVPR 2015, https://arxiv.org/abs/1503.03832, Eq. 1.

    Example:
        >>> loss = triplet_margin(torch.randn(8, 4), torch.randn(8, 4), torch.randn(8, 4), margin=0.2)
    """
    check_margin(margin)
    check_embeddings(a, p, n, names=("a", "p", "n"))
    a, p, n = upcast(a), upcast(p), upcast(n)
    d_pos = torch.linalg.vector_norm(a - p, dim=1)  # (N,)
    d_neg = torch.linalg.vector_norm(a - n, dim=1)  # (N,)
    return F.relu(d_pos - d_neg + margin).mean()


def pairwise_margin(
    x1: torch.Tensor, x2: torch.Tensor, same: torch.Tensor, *, margin: float = 1.0
) -> torch.Tensor:
    r"""Pairwise contrastive loss: pull similar pairs together, push others past ``margin``.

    With :math:`D_i = \lVert x1_i - x2_i \rVert` and :math:`Y_i = 1` for a similar pair,

    .. math:: L = \frac{1}{N} \sum_i Y_i \tfrac12 D_i^2 + (1 - Y_i) \tfrac12 \max(0, m - D_i)^2

    Args:
        x1, x2: the two sides of each pair.
        same: bool (or 0/1) per pair, True when the pair is similar.
        margin: m ≥ 0; dissimilar pairs farther than m cost nothing.

    Shapes: x1, x2 (N, D), same (N,), N ≥ 2 → scalar.

    Reference: Hadsell, Chopra, LeCun, "Dimensionality Reduction by Learning an Invariant
    Mapping", CVPR 2006, Eq. 4 (their Y = 0 marks a similar pair; ours ``same`` = True).

    Example:
        >>> x1, x2 = torch.randn(8, 4), torch.randn(8, 4)
        >>> loss = pairwise_margin(x1, x2, torch.tensor([1, 0] * 4).bool(), margin=1.0)
    """
    check_margin(margin)
    check_embeddings(x1, x2, names=("x1", "x2"))
    if same.shape != (x1.shape[0],):
        raise ValueError(f"same must have shape ({x1.shape[0]},), got {tuple(same.shape)}.")
    check_finite(same.float(), "same")
    x1, x2 = upcast(x1), upcast(x2)
    d = torch.linalg.vector_norm(x1 - x2, dim=1)  # (N,)
    y = same.to(d.dtype)
    return (y * 0.5 * d.square() + (1 - y) * 0.5 * F.relu(margin - d).square()).mean()


class TripletMarginLoss(nn.Module):
    """Module twin of :func:`triplet_margin`."""

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        check_margin(margin)
        self.margin = margin

    def forward(self, a: torch.Tensor, p: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        return triplet_margin(a, p, n, margin=self.margin)


class PairwiseMarginLoss(nn.Module):
    """Module twin of :func:`pairwise_margin`."""

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        check_margin(margin)
        self.margin = margin

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
        return pairwise_margin(x1, x2, same, margin=self.margin)
