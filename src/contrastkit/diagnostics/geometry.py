"""Alignment and uniformity on the hypersphere (Wang & Isola 2020), and the pos/neg gap.

Wang & Isola, "Understanding Contrastive Representation Learning through Alignment and
Uniformity on the Hypersphere", ICML 2020, https://arxiv.org/abs/2005.10242, Sec. 4.1.
All three L2-normalise rows first; all are differentiable (uniformity is also a loss).
"""

from __future__ import annotations

import torch

from contrastkit.diagnostics._input import unit_rows


def alignment(x: torch.Tensor, y: torch.Tensor, alpha: float = 2) -> torch.Tensor:
    r"""Mean distance between positive pairs, :math:`\mathbb E \lVert \hat x_i - \hat y_i \rVert^\alpha`.

    Range [0, 2^α]. Lower is better aligned; a healthy SimCLR on images sits around
    0.3–0.8 for α = 2. 0 is perfect alignment, which a collapsed encoder also achieves:
    read it together with :func:`uniformity`.

    Shapes: x (N, D), y (N, D) → scalar.
    """
    if x.shape != y.shape:
        raise ValueError(
            f"x and y must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}."
        )
    x, y = unit_rows(x, "x"), unit_rows(y, "y")
    return (x - y).norm(dim=1).pow(alpha).mean()


def uniformity(x: torch.Tensor, t: float = 2) -> torch.Tensor:
    r"""Log of the mean Gaussian potential over pairs, :math:`\log \mathbb E_{i<j} e^{-t \lVert \hat x_i - \hat x_j \rVert^2}`.

    Range [−4N/(N−1), 0] for t = 2 (the low end is a regular simplex; ≈ −4 for large N).
    Lower is more uniform: about −3.5 to −3.9 for healthy
    embeddings of a few hundred dimensions (−4 is the limit of a uniform distribution in
    high dimension); 0 means every row is the same point (complete collapse).

    Shapes: x (N, D), N ≥ 2 → scalar.
    """
    x = unit_rows(x, "x", min_rows=2)
    sq = torch.pdist(x, p=2).pow(2)  # (N(N−1)/2,)
    return sq.mul(-t).exp().mean().log()


def positive_negative_gap(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Mean cosine of positive pairs minus mean cosine of in-batch negative pairs.

    Positives are ``(x_i, y_i)``, negatives ``(x_i, y_j), j ≠ i``. Range [−2, 2]. Healthy
    training drives it up (≈ 0.5–0.9 on images); near 0 means positives are no closer than
    random pairs (no signal, or collapse where everything is equally close).

    Shapes: x (N, D), y (N, D), N ≥ 2 → scalar.
    """
    if x.shape != y.shape:
        raise ValueError(
            f"x and y must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}."
        )
    x, y = unit_rows(x, "x", min_rows=2), unit_rows(y, "y", min_rows=2)
    sim = x @ y.t()  # (N, N)
    n = sim.shape[0]
    pos = sim.diagonal().mean()
    neg = (sim.sum() - sim.diagonal().sum()) / (n * (n - 1))
    return pos - neg
