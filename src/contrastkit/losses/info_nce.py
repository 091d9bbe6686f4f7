"""InfoNCE with in-batch negatives (a.k.a. MultipleNegativesRankingLoss)."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.losses._checks import (
    check_embeddings,
    check_exclusion,
    check_finite,
    check_temperature,
)
from contrastkit.losses._precision import full_precision, normalize
from contrastkit.losses._softmax_ce import similarity_cross_entropy
from contrastkit.losses.temperature import LearnableTemperature


def info_nce(
    anchors: torch.Tensor,
    positives: torch.Tensor,
    *,
    temperature: float | torch.Tensor = 0.1,
    negatives: torch.Tensor | None = None,
    symmetric: bool = False,
    gather_distributed: bool = False,
    exclude: torch.Tensor | None = None,
    streaming: bool | None = None,
) -> torch.Tensor:
    r"""InfoNCE: each anchor must pick its own positive among all positives and negatives.

    With rows L2-normalised (:math:`\hat a, \hat p, \hat n`) and :math:`C = [\hat p; \hat n]`,

    .. math::
        L = \frac{1}{N} \sum_i -\log
            \frac{\exp(\hat a_i \cdot \hat p_i / \tau)}{\sum_{c \in C} \exp(\hat a_i \cdot c / \tau)}

    i.e. cross-entropy of logits :math:`\hat a C^\top / \tau` against labels ``arange(N)``: the
    other rows' positives are in-batch negatives and ``negatives`` are extra columns shared by
    all anchors (hard negatives, a queue). ``symmetric=True`` averages this with the reverse
    direction, positives picking their anchor among all anchors (CLIP's loss).

    Args:
        anchors: query embeddings; row i is paired with ``positives[i]``.
        positives: key embeddings.
        temperature: τ > 0; 0.05–0.1 for sentence embeddings, 0.07 for CLIP-style training.
            A 0-d tensor (``LearnableTemperature()``) receives dL/dτ.
        negatives: optional extra negative keys, any number of rows M.
        symmetric: also compute the positives → anchors direction and average.
        gather_distributed: contrast against the positives (and negatives) of every rank,
            with the full gradient; labels are offset by ``rank * N``.
        exclude: bool ``(N, W·N)``, True where global sample j is no negative of local
            sample i (a temporal window: :func:`contrastkit.negatives.exclusion_mask`; W = 1
            without ``gather_distributed``). Both directions of ``symmetric`` use it; a
            sample's own positive always stays; extra ``negatives`` are never excluded.
        streaming: compute in tiles of rows, never holding the N×K similarities (same value
            and gradient, memory O((N + K)·D)); None: only above 2²⁶ logits.

    Shapes: anchors (N, D), positives (N, D), negatives (M, D), exclude (N, W·N) → scalar.
    N ≥ 2.

    Use a no-duplicates sampler for text pairs: a duplicate positive in the batch is a false
    negative. Related: :func:`nt_xent` (two views, 2N anchors), :func:`supcon` (labels).

    References: van den Oord et al., "Representation Learning with Contrastive Predictive
    Coding", 2018, https://arxiv.org/abs/1807.03748; Henderson et al., "Efficient Natural
    Language Response Suggestion for Smart Reply", 2017, https://arxiv.org/abs/1705.00652.

    Example:
        >>> a, p = torch.randn(8, 16), torch.randn(8, 16)
        >>> loss = info_nce(a, p, temperature=0.05, negatives=torch.randn(8, 16))
    """
    check_temperature(temperature)
    check_embeddings(anchors, positives, names=("anchors", "positives"))
    if negatives is not None:
        if negatives.dim() != 2 or negatives.shape[1] != anchors.shape[1]:
            raise ValueError(
                f"negatives must be (M, {anchors.shape[1]}), got {tuple(negatives.shape)}."
            )
        check_finite(negatives, "negatives")
    gather = distributed.gather_with_grad if gather_distributed else _identity
    with full_precision(anchors.device):
        a, p = normalize(anchors), normalize(positives)  # (N, D)
        keys = gather(p)  # (WN, D)
        if negatives is not None:
            keys = torch.cat([keys, gather(normalize(negatives))])  # (WN + WM, D)
        n = a.shape[0]
        labels = torch.arange(n, device=a.device) + (
            distributed.rank() * n if gather_distributed else 0
        )
        mask = None
        if exclude is not None:
            samples = n * (distributed.world_size() if gather_distributed else 1)
            check_exclusion(exclude, n, samples)
            extra = len(keys) - samples  # the negatives' columns: never excluded
            mask = torch.cat([exclude, exclude.new_zeros(n, extra)], dim=1) if extra else exclude
        loss = similarity_cross_entropy(
            a, keys, labels, temperature, mask=mask, streaming=streaming
        )
        if symmetric:
            reverse = similarity_cross_entropy(
                p, gather(a), labels, temperature, mask=exclude, streaming=streaming
            )
            loss = 0.5 * (loss + reverse)
        return loss


def _identity(x: torch.Tensor) -> torch.Tensor:
    return x


class InfoNCELoss(nn.Module):
    """Module twin of :func:`info_nce`; see it for the formula, shapes and references.

    ``learnable_temperature=True`` learns τ from ``temperature`` on, as CLIP does (a
    :class:`LearnableTemperature`, clamped to [0.01, 1]).
    """

    def __init__(
        self,
        temperature: float = 0.1,
        symmetric: bool = False,
        gather_distributed: bool = False,
        learnable_temperature: bool = False,
    ) -> None:
        super().__init__()
        check_temperature(temperature)
        self.temperature = temperature  # the fixed τ, or the learnable one's start
        self.symmetric = symmetric
        self.gather_distributed = gather_distributed
        self.learned_temperature = (
            LearnableTemperature(temperature) if learnable_temperature else None
        )

    def _tau(self) -> float | torch.Tensor:
        learned = self.learned_temperature
        return learned() if learned is not None else self.temperature

    def current_temperature(self) -> float | torch.Tensor:
        """τ now without gradient: the fixed float, or the learnable one's 0-d tensor."""
        tau = self._tau()
        return tau.detach() if isinstance(tau, torch.Tensor) else tau

    def forward(
        self,
        anchors: torch.Tensor,
        positives: torch.Tensor,
        negatives: torch.Tensor | None = None,
        exclude: torch.Tensor | None = None,
    ) -> torch.Tensor:
        tau = self._tau()
        return info_nce(
            anchors,
            positives,
            temperature=tau,
            negatives=negatives,
            symmetric=self.symmetric,
            gather_distributed=self.gather_distributed,
            exclude=exclude,
        )
