"""VICReg: variance-invariance-covariance regularisation of two views' embeddings."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit import distributed
from contrastkit.losses._checks import check_embeddings, check_non_negative
from contrastkit.losses._off_diagonal import off_diagonal
from contrastkit.losses._precision import full_precision, upcast


def invariance(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    r"""VICReg's invariance term :math:`s(Z, Z') = \frac{1}{N D} \sum_b \lVert z_b - z'_b \rVert^2`
    (Eq. 5, the mean squared error as in the authors' code). Shapes: (N, D), (N, D) → scalar."""
    check_embeddings(z1, z2, names=("z1", "z2"))
    with full_precision(z1.device):
        return _invariance(upcast(z1), upcast(z2))


def variance(z: torch.Tensor, *, gamma: float = 1.0, eps: float = 1e-4) -> torch.Tensor:
    r"""VICReg's variance term :math:`v(Z) = \frac1D \sum_j \max(0, \gamma - \sqrt{\operatorname{Var}(z_{\cdot j}) + \epsilon})`
    (Eq. 1; unbiased variance): a hinge keeping every dimension's std above γ, which
    prevents collapse. 0 when every std ≥ γ. Shapes: (N, D) with N ≥ 2 → scalar."""
    check_embeddings(z, names=("z",))
    with full_precision(z.device):
        return _variance(upcast(z), gamma, eps)


def covariance(z: torch.Tensor) -> torch.Tensor:
    r"""VICReg's covariance term :math:`c(Z) = \frac1D \sum_{i \ne j} C(Z)_{ij}^2` with
    :math:`C(Z) = \frac{1}{N-1} \sum_b (z_b - \bar z)(z_b - \bar z)^\top` (Eq. 3–4):
    decorrelates the dimensions. 0 for uncorrelated dimensions. Shapes: (N, D) → scalar."""
    check_embeddings(z, names=("z",))
    with full_precision(z.device):
        return _covariance(upcast(z))


def vicreg_loss(
    z1: torch.Tensor,
    z2: torch.Tensor,
    *,
    sim_coeff: float = 25.0,
    std_coeff: float = 25.0,
    cov_coeff: float = 1.0,
    gather_distributed: bool = False,
) -> torch.Tensor:
    r"""VICReg loss (Eq. 6, with the authors' code's halving of the variance term):

    .. math::
        L = \lambda\, s(Z, Z') + \mu\, \tfrac12 [v(Z) + v(Z')] + \nu\, [c(Z) + c(Z')]

    with :func:`invariance` s, :func:`variance` v (γ = 1, ε = 10⁻⁴) and :func:`covariance` c.
    No normalisation, no negatives: variance and covariance keep the embeddings from
    collapsing.

    Args:
        z1, z2: expander outputs of two augmented views, row b of each from the same sample.
        sim_coeff, std_coeff, cov_coeff: λ, μ, ν ≥ 0 (paper: 25, 25, 1).
        gather_distributed: variance and covariance over the global batch (both views
            gathered with the full gradient, as the authors' ``FullGatherLayer``); the
            invariance stays per rank, whose mean over ranks is the global one.

    Shapes: z1 (N, D), z2 (N, D) with N ≥ 2 → scalar. Runs in float32 even under autocast.
    The covariance term grows like the 4th power of the embeddings' scale: its gradient
    overflows float16 for entries of ~10² and more.

    Related: :func:`barlow_twins_loss` (decorrelates the cross-correlation instead).

    Reference: Bardes, Ponce & LeCun, "VICReg: Variance-Invariance-Covariance Regularization
    for Self-Supervised Learning", ICLR 2022, https://arxiv.org/abs/2105.04906, Sec. 3.

    Example:
        >>> z1, z2 = torch.randn(32, 64), torch.randn(32, 64)
        >>> loss = vicreg_loss(z1, z2)
    """
    for name, value in (
        ("sim_coeff", sim_coeff),
        ("std_coeff", std_coeff),
        ("cov_coeff", cov_coeff),
    ):
        check_non_negative(value, name)
    check_embeddings(z1, z2, names=("z1", "z2"))
    with full_precision(z1.device):
        z1, z2 = upcast(z1), upcast(z2)
        inv = _invariance(z1, z2)
        if gather_distributed:
            z1, z2 = distributed.gather_with_grad(z1), distributed.gather_with_grad(z2)  # (WN, D)
        var = (_variance(z1, 1.0, 1e-4) + _variance(z2, 1.0, 1e-4)) / 2
        cov = _covariance(z1) + _covariance(z2)
        return sim_coeff * inv + std_coeff * var + cov_coeff * cov


def _invariance(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(z1, z2)


def _variance(z: torch.Tensor, gamma: float, eps: float) -> torch.Tensor:
    std = torch.sqrt(z.var(dim=0) + eps)  # (D,)
    return F.relu(gamma - std).mean()


def _covariance(z: torch.Tensor) -> torch.Tensor:
    n, d = z.shape
    zc = z - z.mean(dim=0)
    cov = zc.t() @ zc / (n - 1)  # (D, D)
    return off_diagonal(cov).pow(2).sum() / d


class VICRegLoss(nn.Module):
    """Module twin of :func:`vicreg_loss`; see it for the formula, shapes and reference."""

    def __init__(
        self,
        sim_coeff: float = 25.0,
        std_coeff: float = 25.0,
        cov_coeff: float = 1.0,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        for name, value in (
            ("sim_coeff", sim_coeff),
            ("std_coeff", std_coeff),
            ("cov_coeff", cov_coeff),
        ):
            check_non_negative(value, name)
        self.sim_coeff, self.std_coeff, self.cov_coeff = sim_coeff, std_coeff, cov_coeff
        self.gather_distributed = gather_distributed

    def forward(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        return vicreg_loss(
            z1,
            z2,
            sim_coeff=self.sim_coeff,
            std_coeff=self.std_coeff,
            cov_coeff=self.cov_coeff,
            gather_distributed=self.gather_distributed,
        )
