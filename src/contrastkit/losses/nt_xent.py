"""NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit.losses._checks import check_embeddings, check_exclusion, check_temperature
from contrastkit.losses._precision import full_precision
from contrastkit.losses._softmax_ce import similarity_cross_entropy
from contrastkit.losses._two_view import two_view_layout
from contrastkit.losses.temperature import LearnableTemperature


def nt_xent(
    z1: torch.Tensor,
    z2: torch.Tensor,
    *,
    temperature: float | torch.Tensor = 0.5,
    gather_distributed: bool = False,
    exclude: torch.Tensor | None = None,
    streaming: bool | None = None,
) -> torch.Tensor:
    r"""NT-Xent over the 2N views of a batch (SimCLR).

    With :math:`z = [\hat z_1; \hat z_2]` (rows L2-normalised) and :math:`p(i)` the other view
    of row i,

    .. math::
        \ell_i = -\log \frac{\exp(z_i \cdot z_{p(i)} / \tau)}
                            {\sum_{j \ne i} \exp(z_i \cdot z_j / \tau)},
        \qquad L = \frac{1}{2N} \sum_{i=1}^{2N} \ell_i

    so every anchor has 1 positive and 2N − 2 negatives; the anchor itself is excluded.

    Args:
        z1, z2: projections of two augmented views, row i of each from the same sample.
        temperature: τ > 0. SimCLR uses 0.5 at batch 256 (Table 5) and 0.1 at large batch.
            A 0-d tensor (``LearnableTemperature()``) receives dL/dτ.
        gather_distributed: contrast against the views of every rank (full gradient).
        exclude: bool ``(N, W·N)``, True where global sample j is no negative of local sample
            i: neither of j's views is a negative of either of i's (a temporal window:
            :func:`contrastkit.negatives.exclusion_mask`). A sample's other view stays its
            positive.
        streaming: compute in tiles of rows, never holding the 2N×2N similarities (same
            value and gradient, memory O(N·D)); None: only above 2²⁶ logits.

    Shapes: z1 (N, D), z2 (N, D) with N ≥ 2, exclude (N, W·N) → scalar.

    Similarities and softmax run in float32 (float64 if given) even under autocast.
    Related: :func:`info_nce` (one direction, extra negatives), :func:`debiased_info_nce`.

    Reference: Chen et al., "A Simple Framework for Contrastive Learning of Visual
    Representations", ICML 2020, https://arxiv.org/abs/2002.05709, Eq. 1.

    Example:
        >>> z1, z2 = torch.randn(8, 16), torch.randn(8, 16)
        >>> loss = nt_xent(z1, z2, temperature=0.5)
    """
    check_temperature(temperature)
    check_embeddings(z1, z2, names=("z1", "z2"))
    with full_precision(z1.device):
        layout = two_view_layout(z1, z2, gather_distributed)
        mask = None
        if exclude is not None:
            check_exclusion(exclude, z1.shape[0], layout.k.shape[0] // 2)
            both = torch.cat([exclude, exclude], dim=1)  # keys: view 1 of all, then view 2
            mask = torch.cat([both, both], dim=0)  # anchors: view 1, then view 2
        return similarity_cross_entropy(
            layout.q, layout.k, layout.positive, temperature,
            exclude=layout.itself, mask=mask, streaming=streaming,
        )  # fmt: skip


class NTXentLoss(nn.Module):
    """Module twin of :func:`nt_xent`; see it for the formula, shapes and reference.

    ``learnable_temperature=True`` learns τ from ``temperature`` on, as CLIP does (a
    :class:`LearnableTemperature`, clamped to [0.01, 1]; SimCLR itself keeps τ fixed).
    """

    def __init__(
        self,
        temperature: float = 0.5,
        gather_distributed: bool = False,
        learnable_temperature: bool = False,
    ) -> None:
        super().__init__()
        check_temperature(temperature)
        self.temperature = temperature  # the fixed τ, or the learnable one's start
        self.gather_distributed = gather_distributed
        self.learned_temperature = (
            LearnableTemperature(temperature) if learnable_temperature else None
        )

    def _tau(self) -> float | torch.Tensor:
        learned = self.learned_temperature
        return learned() if learned is not None else self.temperature

    def forward(
        self, z1: torch.Tensor, z2: torch.Tensor, exclude: torch.Tensor | None = None
    ) -> torch.Tensor:
        tau = self._tau()
        return nt_xent(
            z1, z2, temperature=tau, gather_distributed=self.gather_distributed, exclude=exclude
        )
