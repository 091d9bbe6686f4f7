"""Debiased (Chuang et al. 2020) and hard-negative (Robinson et al. 2021) InfoNCE.

Both replace the sum over negatives in NT-Xent by an estimate N_g of the sum over *true*
negatives, correcting for same-class samples among the in-batch negatives (class prior τ⁺):

    N_g = max( (R − τ⁺·N·e^{s⁺/τ}) / (1 − τ⁺),  N·e^{−1/τ} ),   ℓ = −log e^{s⁺/τ} / (e^{s⁺/τ} + N_g)

with N = 2B − 2 negatives per anchor (the 2N layout of :func:`nt_xent`, B samples) and
R = Σ_j e^{s_j/τ} (debiased) or R = Σ_j w_j e^{s_j/τ}, w_j = e^{β s_j/τ} / mean_k e^{β s_k/τ}
(hard negatives). The clamp at N·e^{−1/τ} follows the authors' code. We evaluate everything
relative to a per-row shift m = max(s⁺/τ, log R) so no exp() overflows for any τ > 0;
the value is the authors' formula exactly.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from contrastkit.losses._checks import (
    check_beta,
    check_embeddings,
    check_tau_plus,
    check_temperature,
)
from contrastkit.losses._precision import full_precision
from contrastkit.losses._two_view import two_view_layout


def debiased_info_nce(
    z1: torch.Tensor,
    z2: torch.Tensor,
    *,
    temperature: float = 0.5,
    tau_plus: float = 0.1,
    gather_distributed: bool = False,
) -> torch.Tensor:
    r"""Debiased contrastive loss on two views (module docstring has the formula).

    Args:
        z1, z2: projections of two views, row i of each from the same sample.
        temperature: τ > 0 (the paper uses 0.5).
        tau_plus: class prior τ⁺ ∈ [0, 1): the probability that a negative shares the
            anchor's class. τ⁺ = 0 recovers NT-Xent (up to the clamp).
        gather_distributed: negatives from every rank, full gradient.

    Shapes: z1 (N, D), z2 (N, D), N ≥ 2 → scalar.

    Reference: Chuang et al., "Debiased Contrastive Learning", NeurIPS 2020,
    https://arxiv.org/abs/2007.00224, Eq. 6; clamp from github.com/chingyaoc/DCL.

    Example:
        >>> loss = debiased_info_nce(torch.randn(8, 16), torch.randn(8, 16), tau_plus=0.1)
    """
    return _corrected_nt_xent(z1, z2, temperature, tau_plus, None, gather_distributed)


def hard_negative_info_nce(
    z1: torch.Tensor,
    z2: torch.Tensor,
    *,
    temperature: float = 0.5,
    tau_plus: float = 0.1,
    beta: float = 1.0,
    gather_distributed: bool = False,
) -> torch.Tensor:
    r"""Hard-negative contrastive loss on two views (module docstring has the formula).

    Args:
        z1, z2: projections of two views, row i of each from the same sample.
        temperature: τ > 0 (the paper uses 0.5).
        tau_plus: class prior τ⁺ ∈ [0, 1).
        beta: concentration β ≥ 0 on hard negatives; β = 0 is :func:`debiased_info_nce`.
        gather_distributed: negatives from every rank, full gradient.

    Shapes: z1 (N, D), z2 (N, D), N ≥ 2 → scalar.

    Reference: Robinson et al., "Contrastive Learning with Hard Negative Samples", ICLR 2021,
    https://arxiv.org/abs/2010.04592, Eq. 3; estimator and clamp from github.com/joshr17/HCL.

    Example:
        >>> loss = hard_negative_info_nce(torch.randn(8, 16), torch.randn(8, 16), beta=1.0)
    """
    check_beta(beta)
    return _corrected_nt_xent(z1, z2, temperature, tau_plus, beta, gather_distributed)


def _corrected_nt_xent(
    z1: torch.Tensor,
    z2: torch.Tensor,
    temperature: float,
    tau_plus: float,
    beta: float | None,
    gather_distributed: bool,
) -> torch.Tensor:
    check_temperature(temperature)
    check_tau_plus(tau_plus)
    check_embeddings(z1, z2, names=("z1", "z2"))
    with full_precision(z1.device):
        q, k, positive, itself = two_view_layout(z1, z2, gather_distributed)
        rows = torch.arange(q.shape[0], device=q.device)
        logits = (q @ k.t()) / temperature  # (2n, 2Wn)
        s_pos = logits[rows, positive]  # (2n,)
        is_neg = torch.ones_like(logits, dtype=torch.bool)
        is_neg[rows, positive] = False
        is_neg[rows, itself] = False
        n_neg = k.shape[0] - 2

        def log_sum_neg(x: torch.Tensor) -> torch.Tensor:  # log Σ_{negatives j} e^{x_j}, (2n,)
            return x.masked_fill(~is_neg, float("-inf")).logsumexp(dim=1)

        if beta is None:
            log_r = log_sum_neg(logits)
        else:  # log( Σ e^{(1+β)s} / mean e^{βs} )
            log_r = log_sum_neg((1 + beta) * logits) - log_sum_neg(beta * logits)
            log_r = log_r + math.log(n_neg)
        shift = torch.maximum(s_pos, log_r).detach()  # (2n,)
        pos = (s_pos - shift).exp()
        n_g = ((log_r - shift).exp() - tau_plus * n_neg * pos) / (1 - tau_plus)
        floor = n_neg * (-1.0 / temperature - shift).exp()
        n_g = torch.maximum(n_g, floor)
        return ((pos + n_g).log() - (s_pos - shift)).mean()


class DebiasedInfoNCELoss(nn.Module):
    """Module twin of :func:`debiased_info_nce`."""

    def __init__(
        self, temperature: float = 0.5, tau_plus: float = 0.1, gather_distributed: bool = False
    ) -> None:
        super().__init__()
        check_temperature(temperature)
        check_tau_plus(tau_plus)
        self.temperature, self.tau_plus = temperature, tau_plus
        self.gather_distributed = gather_distributed

    def forward(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        return debiased_info_nce(
            z1,
            z2,
            temperature=self.temperature,
            tau_plus=self.tau_plus,
            gather_distributed=self.gather_distributed,
        )


class HardNegativeInfoNCELoss(nn.Module):
    """Module twin of :func:`hard_negative_info_nce`."""

    def __init__(
        self,
        temperature: float = 0.5,
        tau_plus: float = 0.1,
        beta: float = 1.0,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        check_temperature(temperature)
        check_tau_plus(tau_plus)
        check_beta(beta)
        self.temperature, self.tau_plus, self.beta = temperature, tau_plus, beta
        self.gather_distributed = gather_distributed

    def forward(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        return hard_negative_info_nce(
            z1,
            z2,
            temperature=self.temperature,
            tau_plus=self.tau_plus,
            beta=self.beta,
            gather_distributed=self.gather_distributed,
        )
