"""SwAV: online clustering with equipartitioned codes (Sinkhorn-Knopp) and swapped prediction."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.losses._checks import check_embeddings, check_temperature
from contrastkit.losses._cross_view import cross_view_loss
from contrastkit.losses._precision import full_precision, upcast


def sinkhorn(
    scores: torch.Tensor,
    n_iters: int = 3,
    eps: float = 0.05,
    *,
    gather_distributed: bool = False,
) -> torch.Tensor:
    r"""Soft codes that spread a batch evenly over the prototypes (SwAV's Sinkhorn-Knopp).

    Solves :math:`\max_{Q \in \mathcal Q} \operatorname{Tr}(Q^\top C^\top Z) + \varepsilon H(Q)`
    over the transportation polytope
    :math:`\mathcal Q = \{Q \in \mathbb R_+^{K \times B} : Q 1_B = \tfrac1K 1_K,\ Q^\top 1_K = \tfrac1B 1_B\}`
    (Eq. 3), whose solution is :math:`Q^* = \operatorname{Diag}(u) \exp(C^\top Z / \varepsilon) \operatorname{Diag}(v)`;
    ``n_iters`` alternating normalisations find u and v (Algorithm 1 of the paper; 3 suffice).
    Each iteration first gives every prototype the same total mass, then every sample; the
    result is returned as ``B · Qᵀ``: row b is sample b's code, a distribution over the K
    prototypes (rows sum to 1 exactly), and every prototype receives ≈ B / K of the batch
    (exactly at convergence).

    Runs in the log domain, so ``scores / eps`` never overflows or underflows (the authors'
    ``exp(scores / eps)`` does for scores beyond ±~4 at ε = 0.05 in float32); the constant
    factors of Algorithm 1 cancel and are left out. No gradient flows: codes are targets.

    Args:
        scores: prototype scores :math:`z_b^\top c_k` (cosines when both are normalised).
        n_iters: Sinkhorn iterations, ≥ 1 (paper: 3).
        eps: entropy weight ε > 0; smaller is closer to a hard assignment (paper: 0.05).
        gather_distributed: the prototype totals run over the batches of every rank (as the
            authors' ``distributed_sinkhorn``); each rank gets the codes of its own rows.

    Shapes: scores (B, K) → codes (B, K), float32 (float64 if given).

    Reference: Caron et al., "Unsupervised Learning of Visual Features by Contrasting Cluster
    Assignments", NeurIPS 2020, https://arxiv.org/abs/2006.09882, Sec. 3.1.

    Example:
        >>> q = sinkhorn(torch.randn(8, 5) * 0.1)
        >>> q.sum(dim=1)  # tensor([1., 1., 1., 1., 1., 1., 1., 1.])
    """
    if isinstance(n_iters, bool) or not isinstance(n_iters, int) or n_iters < 1:
        raise ValueError(f"n_iters must be a positive integer, got {n_iters!r}.")
    check_temperature(eps, "eps")
    check_embeddings(scores, names=("scores",))
    with torch.no_grad(), full_precision(scores.device):
        log_q = upcast(scores.detach()) / eps  # (B, K)
        for _ in range(n_iters):
            log_q = log_q - _logsumexp_over_batch(log_q, gather_distributed)  # prototypes: 1/K
            log_q = log_q - log_q.logsumexp(dim=1, keepdim=True)  # samples: 1/B, scaled by B
        return log_q.exp()


def _logsumexp_over_batch(log_q: torch.Tensor, gather_distributed: bool) -> torch.Tensor:
    """log Σ_b exp(log_q[b, k]) over the rows of every rank. ``(B, K) → (1, K)``."""
    if not gather_distributed:
        return log_q.logsumexp(dim=0, keepdim=True)
    top = distributed.all_reduce_max(log_q.amax(dim=0, keepdim=True))  # (1, K)
    total = distributed.all_reduce_sum((log_q - top).exp().sum(dim=0, keepdim=True))
    return total.log() + top


def swav_loss(
    scores_per_crop: Sequence[torch.Tensor],
    codes_per_crop: Sequence[torch.Tensor],
    *,
    temperature: float = 0.1,
) -> torch.Tensor:
    r"""SwAV's swapped prediction: predict the code of one crop from every other crop.

    With :math:`p^{(v)}_b = \operatorname{softmax}(z^{(v)\top}_b C / \tau)` the prediction of
    crop v and :math:`q^{(t)}_b` the code of crop t (from :func:`sinkhorn`),

    .. math::
        L = \frac{1}{T (V - 1)} \sum_{t=1}^{T} \sum_{v \ne t}
            -\frac1B \sum_b \sum_k q^{(t)}_{bk} \log p^{(v)}_{bk}

    (Eq. 1–2, multi-crop as in the authors' code: codes come from the T large crops only,
    every other crop — large or small — predicts them). Codes are targets: no gradient
    flows into them.

    Args:
        scores_per_crop: V ≥ 2 score matrices :math:`Z^\top C`, one per crop, all crops
            of the same B samples in the same order.
        codes_per_crop: T ≥ 1 code matrices for the first T crops (T ≤ V), rows summing to 1.
        temperature: τ > 0 of the prediction softmax (paper: 0.1).

    Shapes: V × (B, K) scores, T × (B, K) codes → scalar.

    The module twin :class:`SwAVLoss` computes the codes with :func:`sinkhorn` itself.
    Related: :func:`dino_loss` (the same cross-crop cross-entropy, with a teacher's
    sharpened outputs as targets).

    Reference: Caron et al. 2020, https://arxiv.org/abs/2006.09882, Sec. 3.1–3.2.

    Example:
        >>> s1, s2 = torch.randn(8, 30), torch.randn(8, 30)
        >>> loss = swav_loss([s1, s2], [sinkhorn(s1), sinkhorn(s2)], temperature=0.1)
    """
    check_temperature(temperature)
    return cross_view_loss(
        scores_per_crop,
        codes_per_crop,
        temperature,
        names=("scores_per_crop", "codes_per_crop"),
        nouns=("scores", "codes"),
    )


class SwAVLoss(nn.Module):
    """SwAV's loss from prototype scores alone: Sinkhorn codes of the first ``assign_crops``
    crops, then :func:`swav_loss`. See :func:`sinkhorn` and :func:`swav_loss` for the maths.

    Args:
        temperature: τ of the prediction softmax (paper: 0.1).
        sinkhorn_iterations, epsilon: :func:`sinkhorn`'s ``n_iters`` and ``eps`` (3, 0.05).
        assign_crops: how many leading crops get codes (the large ones; paper: 2).
        gather_distributed: Sinkhorn's prototype totals over every rank's batch.

    Shapes: ``forward(*scores)`` with V ≥ max(2, assign_crops) tensors (B, K) → scalar.
    ``queued``, one (Q, K) tensor per assigned crop, are scores of earlier batches' features
    (SwAV's queue): Sinkhorn runs over those rows and the batch's together and the batch keeps
    its own B codes, so a small batch still spreads over the prototypes.

    Example:
        >>> loss = SwAVLoss()(torch.randn(8, 30), torch.randn(8, 30), torch.randn(8, 30))
    """

    def __init__(
        self,
        temperature: float = 0.1,
        sinkhorn_iterations: int = 3,
        epsilon: float = 0.05,
        assign_crops: int = 2,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        check_temperature(temperature)
        check_temperature(epsilon, "epsilon")
        for name, value in (
            ("sinkhorn_iterations", sinkhorn_iterations),
            ("assign_crops", assign_crops),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        self.temperature, self.epsilon = temperature, epsilon
        self.sinkhorn_iterations, self.assign_crops = sinkhorn_iterations, assign_crops
        self.gather_distributed = gather_distributed

    def forward(
        self, *scores: torch.Tensor, queued: Sequence[torch.Tensor] | None = None
    ) -> torch.Tensor:
        if queued is not None and len(queued) != self.assign_crops:
            raise ValueError(
                f"queued holds {len(queued)} score tensors; one per assigned crop "
                f"({self.assign_crops}) is needed."
            )
        if len(scores) < self.assign_crops:
            raise ValueError(
                f"got {len(scores)} crops but codes are computed for the first "
                f"{self.assign_crops} (assign_crops)."
            )
        codes = []
        for i, s in enumerate(scores[: self.assign_crops]):
            rows = s if queued is None else torch.cat([queued[i].to(s.dtype), s])  # (Q + B, K)
            q = sinkhorn(
                rows,
                self.sinkhorn_iterations,
                self.epsilon,
                gather_distributed=self.gather_distributed,
            )
            codes.append(q[len(rows) - len(s) :])  # the batch's own rows
        return swav_loss(scores, codes, temperature=self.temperature)
