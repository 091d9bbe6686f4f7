"""Pearson and Spearman correlation, and the STS benchmark score built on them.

STS evaluation as in SentEval / SimCSE (Gao et al. 2021, https://arxiv.org/abs/2104.08821,
Sec. 3 and App. B) and sentence-transformers' ``EmbeddingSimilarityEvaluator``: the Spearman
correlation between the cosine similarity of each sentence pair and its gold score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from contrastkit.evaluation._checks import check_features

ArrayLike = torch.Tensor | np.ndarray | Sequence[float]


@dataclass(frozen=True)
class StsResult:
    """Correlations of cosine similarity with gold scores, raw values in [−1, 1]."""

    spearman: float
    pearson: float


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    r"""Pearson's linear correlation, in [−1, 1].

    .. math::
        r = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}
                 {\sqrt{\sum_i (x_i - \bar x)^2}\,\sqrt{\sum_i (y_i - \bar y)^2}}

    Computed in float64. Shapes: x (n,), y (n,), n ≥ 2 → float. Raises ValueError when either
    input is constant (the correlation is undefined; scipy would return NaN).
    """
    x, y = _pair(x, y)
    return _pearson(x, y)


def spearman(x: ArrayLike, y: ArrayLike) -> float:
    """Spearman's rank correlation: :func:`pearson` of the ranks, ties given their average rank.

    Invariant to any strictly increasing transform of x or y. Equals scipy's
    ``spearmanr(x, y).statistic`` (which also averages tied ranks). Shapes: x (n,), y (n,),
    n ≥ 2 → float in [−1, 1]. Raises ValueError when either input is constant.
    """
    x, y = _pair(x, y)
    return _pearson(average_ranks(x), average_ranks(y))


def average_ranks(x: torch.Tensor) -> torch.Tensor:
    """1-based ranks of a 1-D tensor; equal values share the mean of the ranks they span.

    ``[10, 20, 20, 5] → [2, 3.5, 3.5, 1]`` (scipy's ``rankdata(method="average")``).
    Shapes: (n,) → (n,) float64.
    """
    order = torch.argsort(x, stable=True)  # (n,)
    _, counts = torch.unique_consecutive(x[order], return_counts=True)  # (groups,)
    end = counts.cumsum(0).double()  # last 1-based rank of each group
    group_rank = end - (counts.double() - 1) / 2  # mean of start..end
    ranks = torch.empty(x.shape[0], dtype=torch.float64, device=x.device)
    ranks[order] = group_rank.repeat_interleave(counts)
    return ranks


def sts_correlation(
    embeddings1: torch.Tensor, embeddings2: torch.Tensor, gold: ArrayLike
) -> StsResult:
    r"""Spearman and Pearson correlation of :math:`\cos(u_i, v_i)` with the gold similarity.

    The Spearman value is the STS-B number papers quote. It is returned raw, in [−1, 1], as
    sentence-transformers does (all-MiniLM-L6-v2 gives 0.8203 on STS-B test); SimCSE and the
    MTEB leaderboard print it ×100 (82.03).

    Shapes: embeddings1 (n, D), embeddings2 (n, D), gold (n,), n ≥ 2.

    Example:
        >>> u, v = torch.randn(10, 16), torch.randn(10, 16)
        >>> sts_correlation(u, v, torch.rand(10) * 5).spearman
    """
    check_features(embeddings1, "embeddings1", min_rows=2)
    check_features(embeddings2, "embeddings2", min_rows=2)
    if embeddings1.shape != embeddings2.shape:
        raise ValueError(
            f"embeddings1 and embeddings2 must have the same shape, got "
            f"{tuple(embeddings1.shape)} and {tuple(embeddings2.shape)}."
        )
    u = F.normalize(embeddings1.double(), dim=1)  # (n, D)
    v = F.normalize(embeddings2.to(u.device).double(), dim=1)
    cosine = (u * v).sum(dim=1)  # (n,)
    return StsResult(spearman=spearman(cosine, gold), pearson=pearson(cosine, gold))


def _pair(x: ArrayLike, y: ArrayLike) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = _vector(x, "x"), _vector(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}.")
    if len(x) < 2:
        raise ValueError(f"a correlation needs at least 2 values, got {len(x)}.")
    return x, y.to(x.device)


def _vector(x: ArrayLike, name: str) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        t = torch.as_tensor(np.asarray(x, dtype=np.float64))
    if t.dim() != 1:
        raise ValueError(f"{name} must be 1-D, got shape {tuple(t.shape)}.")
    t = t.double()
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return t


def _pearson(x: torch.Tensor, y: torch.Tensor) -> float:
    if x.min() == x.max() or y.min() == y.max():  # not sxx == 0: a mean can round off
        raise ValueError("one input is constant, so its correlation is undefined.")
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = (dx * dx).sum(), (dy * dy).sum()
    return (dx * dy).sum().div(sxx.sqrt() * syy.sqrt()).clamp(-1.0, 1.0).item()
