"""Collapse measures: how many directions the embeddings actually use."""

from __future__ import annotations

import torch

from contrastkit.diagnostics._input import unit_rows


def effective_rank(z: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    r"""Entropy-based effective rank of the embedding matrix (RankMe).

    With singular values :math:`\sigma_k` of ``z`` and :math:`p_k = \sigma_k / \sum_j \sigma_j`,
    returns :math:`\exp(-\sum_k p_k \log p_k)`, in [1, min(N, D)].

    Healthy: a large fraction of min(N, D) (RankMe reports higher is better for downstream
    accuracy). Dimensional collapse shows as a value far below D; complete collapse gives 1.

    References: Roy & Vetterli, "The effective rank", EUSIPCO 2007; Garrido et al., "RankMe",
    ICML 2023, https://arxiv.org/abs/2210.02885.

    Shapes: z (N, D) → scalar.
    """
    if z.dim() != 2:
        raise ValueError(f"z must be 2-D (N, D), got shape {tuple(z.shape)}.")
    z = z.float() if z.dtype in (torch.float16, torch.bfloat16) else z
    s = torch.linalg.svdvals(z)  # (min(N, D),)
    p = s / s.sum().clamp_min(eps) + eps
    return torch.exp(-(p * p.log()).sum())


def std_of_l2_normalized(z: torch.Tensor) -> torch.Tensor:
    r"""Mean over dimensions of the per-dimension std of L2-normalised rows.

    Healthy ≈ 1/sqrt(D) (rows spread like a Gaussian on the sphere); 0 means every row is
    the same vector — complete collapse (SimSiam, Chen & He 2021, Sec. 4.1, Fig. 2).

    Shapes: z (N, D), N ≥ 2 → scalar.
    """
    z = unit_rows(z, "z", min_rows=2)
    return z.std(dim=0).mean()
