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
    # largest |entry| for which float16 gradients must stay finite: a loss of the raw scale
    # (VICReg's covariance grows like its 4th power) overflows float16 beyond some size
    max_abs: float = 1e3
    # builds the module twin for (N, d) inputs when ``module(**kwargs)`` cannot (a state sized
    # by d, or crops passed as lists): twin(d, **kwargs) takes the same tensors as ``fn``
    twin: Callable[..., nn.Module] | None = None

    def build_twin(self, d: int, **kwargs: Any) -> nn.Module:
        return self.twin(d, **kwargs) if self.twin is not None else self.module(**kwargs)

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


def _swav_two_crops(s1, s2, **kw):
    """SwAV on two crops' prototype scores, each predicting the other's Sinkhorn codes."""
    return L.swav_loss([s1, s2], [L.sinkhorn(s1), L.sinkhorn(s2)], **kw)


def _dino_two_crops(s1, s2, *, student_temp=0.1, teacher_temp=0.04):
    """DINO at step 0 on two crops: the teacher, a fresh copy of the student, gives the same
    logits s1, s2 (detached, centre 0) as targets for the student's s2, s1."""
    center = torch.zeros(s1.shape[-1], dtype=torch.float32)
    targets = [L.dino_teacher_probs(s, center, teacher_temp) for s in (s1, s2)]
    return L.dino_loss([s1, s2], targets, student_temp=student_temp)


class _DINOTwin(nn.Module):
    """``DINOLoss`` (its centre sized by d, still zero) called as :func:`_dino_two_crops`."""

    def __init__(self, d: int, **kwargs: Any) -> None:
        super().__init__()
        self.loss = L.DINOLoss(d, **kwargs)

    def forward(self, s1: torch.Tensor, s2: torch.Tensor) -> torch.Tensor:
        return self.loss([s1, s2], [s1, s2])


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
    LossCase("swav", _swav_two_crops, L.SwAVLoss, 2, kwargs={"temperature": 0.1}, cosine=False),
    LossCase(
        "barlow_twins",
        L.barlow_twins_loss,
        L.BarlowTwinsLoss,
        2,
        kwargs={"lambda_offdiag": 5e-3},
        has_temperature=False,
        cosine=False,
    ),
    LossCase(
        "vicreg",
        L.vicreg_loss,
        L.VICRegLoss,
        2,
        kwargs={"sim_coeff": 25.0, "std_coeff": 25.0, "cov_coeff": 1.0},
        has_temperature=False,
        cosine=False,
        max_abs=10.0,
    ),
    LossCase(
        "dino",
        _dino_two_crops,
        L.DINOLoss,
        2,
        kwargs={"student_temp": 0.1, "teacher_temp": 0.04},
        has_temperature=False,
        cosine=False,
        twin=_DINOTwin,
    ),
]

TEMPERATURE_CASES = [c for c in CASES if c.has_temperature]
