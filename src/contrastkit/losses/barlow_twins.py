"""Barlow Twins: make the cross-correlation of two views' embeddings the identity."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.losses._checks import check_embeddings, check_non_negative
from contrastkit.losses._off_diagonal import off_diagonal
from contrastkit.losses._precision import full_precision, upcast


def barlow_twins_loss(
    z1: torch.Tensor,
    z2: torch.Tensor,
    *,
    lambda_offdiag: float = 5e-3,
    eps: float = 1e-5,
    gather_distributed: bool = False,
) -> torch.Tensor:
    r"""Redundancy-reduction loss of Barlow Twins (Eq. 1).

    Each embedding dimension is standardised over the batch,
    :math:`\tilde z_{bi} = (z_{bi} - \mu_i) / \sqrt{\sigma_i^2 + \epsilon}` (biased variance,
    as the ``BatchNorm1d(affine=False)`` of the authors' code), and the cross-correlation
    :math:`\mathcal C_{ij} = \frac1N \sum_b \tilde z^{(1)}_{bi} \tilde z^{(2)}_{bj}` is pulled
    towards the identity:

    .. math::
        L = \sum_i (1 - \mathcal C_{ii})^2 + \lambda \sum_i \sum_{j \ne i} \mathcal C_{ij}^2

    The first term makes the views' embeddings agree (invariance), the second decorrelates
    the dimensions (redundancy reduction). L = 0 exactly when the two standardised views are
    equal and their dimensions uncorrelated (with ε = 0).

    Args:
        z1, z2: projections of two augmented views, row b of each from the same sample.
        lambda_offdiag: λ ≥ 0, weight of the off-diagonal term (paper: 5·10⁻³ at D = 8192).
        eps: ε ≥ 0 added to each variance (BatchNorm's 1e-5); 0 is exact but a constant
            dimension then divides by zero.
        gather_distributed: standardise and correlate over the global batch: both views
            are gathered from every rank with the full gradient, so every rank computes the
            global loss (the authors instead all-reduce C under SyncBatchNorm; same value).

    Shapes: z1 (N, D), z2 (N, D) with N ≥ 2 → scalar. Runs in float32 even under autocast.

    Not invariant to scaling rows (it standardises columns); invariant to scaling and
    shifting each dimension. Related: :func:`vicreg_loss`.

    Reference: Zbontar et al., "Barlow Twins: Self-Supervised Learning via Redundancy
    Reduction", ICML 2021, https://arxiv.org/abs/2103.03230, Eq. 1–2 and Algorithm 1.

    Example:
        >>> z1, z2 = torch.randn(32, 64), torch.randn(32, 64)
        >>> loss = barlow_twins_loss(z1, z2, lambda_offdiag=5e-3)
    """
    check_non_negative(lambda_offdiag, "lambda_offdiag")
    check_non_negative(eps, "eps")
    check_embeddings(z1, z2, names=("z1", "z2"))
    with full_precision(z1.device):
        z1, z2 = upcast(z1), upcast(z2)
        if gather_distributed:
            z1, z2 = distributed.gather_with_grad(z1), distributed.gather_with_grad(z2)  # (WN, D)
        n = z1.shape[0]
        c = _standardize(z1, eps).t() @ _standardize(z2, eps) / n  # (D, D)
        on_diag = (1 - c.diagonal()).pow(2).sum()
        off_diag = off_diagonal(c).pow(2).sum()
        return on_diag + lambda_offdiag * off_diag


def _standardize(z: torch.Tensor, eps: float) -> torch.Tensor:
    """Zero mean, unit (biased) variance per column. ``(N, D) → (N, D)``."""
    return (z - z.mean(dim=0)) / torch.sqrt(z.var(dim=0, correction=0) + eps)


class BarlowTwinsLoss(nn.Module):
    """Module twin of :func:`barlow_twins_loss`; see it for the formula, shapes and reference."""

    def __init__(
        self, lambda_offdiag: float = 5e-3, eps: float = 1e-5, gather_distributed: bool = False
    ) -> None:
        super().__init__()
        check_non_negative(lambda_offdiag, "lambda_offdiag")
        check_non_negative(eps, "eps")
        self.lambda_offdiag, self.eps = lambda_offdiag, eps
        self.gather_distributed = gather_distributed

    def forward(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        return barlow_twins_loss(
            z1,
            z2,
            lambda_offdiag=self.lambda_offdiag,
            eps=self.eps,
            gather_distributed=self.gather_distributed,
        )
