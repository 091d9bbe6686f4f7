"""One table of every public loss, for the tests every loss must pass alike.

Each case knows how to build valid inputs of a given size and dtype, so the contract tests
(dtype sweep, autocast, rejections) run over all losses without repeating themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from contrastkit import losses as L


@dataclass(frozen=True)
class LossCase:
    name: str
    fn: Callable[..., torch.Tensor]  # pure function: fn(*embeddings, *extras, **kwargs)
    module: type[nn.Module]
    n_embeddings: int  # how many (N, D) float tensors come first
    extras: Callable[[int], tuple[torch.Tensor, ...]] = lambda n: ()  # non-float inputs
    kwargs: dict[str, Any] = field(default_factory=dict)
    has_temperature: bool = True
    cosine: bool = True  # invariant to scaling each row by a positive number

    def embeddings(
        self, n: int, d: int, dtype: torch.dtype = torch.float64, gen: torch.Generator | None = None
    ) -> list[torch.Tensor]:
        return [
            torch.randn(n, d, generator=gen, dtype=torch.float64).to(dtype)
            for _ in range(self.n_embeddings)
        ]

    def __call__(self, *embeddings: torch.Tensor, **overrides: Any) -> torch.Tensor:
        n = embeddings[0].shape[0] if embeddings[0].dim() > 0 else 1
        return self.fn(*embeddings, *self.extras(n), **{**self.kwargs, **overrides})

    def __str__(self) -> str:
        return self.name


def _pair_labels(n: int) -> tuple[torch.Tensor]:
    return (torch.arange(n) // 2,)  # rows 2k and 2k+1 share a label


def _alternating_same(n: int) -> tuple[torch.Tensor]:
    return (torch.arange(n) % 2 == 0,)


def _info_nce_with_negatives(a, p, neg, **kw):
    return L.info_nce(a, p, negatives=neg, symmetric=True, **kw)


CASES = [
    LossCase("info_nce", L.info_nce, L.InfoNCELoss, 2, kwargs={"temperature": 0.1}),
    LossCase(
        "info_nce_negatives_symmetric",
        _info_nce_with_negatives,
        L.InfoNCELoss,
        3,
        kwargs={"temperature": 0.1},
    ),
    LossCase("nt_xent", L.nt_xent, L.NTXentLoss, 2, kwargs={"temperature": 0.5}),
    LossCase("supcon", L.supcon, L.SupConLoss, 1, _pair_labels, {"temperature": 0.1}),
    LossCase(
        "debiased_info_nce",
        L.debiased_info_nce,
        L.DebiasedInfoNCELoss,
        2,
        kwargs={"temperature": 0.5, "tau_plus": 0.1},
    ),
    LossCase(
        "hard_negative_info_nce",
        L.hard_negative_info_nce,
        L.HardNegativeInfoNCELoss,
        2,
        kwargs={"temperature": 0.5, "tau_plus": 0.1, "beta": 1.0},
    ),
    LossCase(
        "triplet_margin",
        L.triplet_margin,
        L.TripletMarginLoss,
        3,
        kwargs={"margin": 1.0},
        has_temperature=False,
        cosine=False,
    ),
    LossCase(
        "pairwise_margin",
        L.pairwise_margin,
        L.PairwiseMarginLoss,
        2,
        _alternating_same,
        {"margin": 1.0},
        has_temperature=False,
        cosine=False,
    ),
    LossCase("negative_cosine", L.negative_cosine, L.NegativeCosineLoss, 2, has_temperature=False),
]

TEMPERATURE_CASES = [c for c in CASES if c.has_temperature]
