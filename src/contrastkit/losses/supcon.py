"""Supervised contrastive loss (SupCon, L_out)."""

from __future__ import annotations

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.losses._checks import check_embeddings, check_temperature
from contrastkit.losses._precision import full_precision, normalize
from contrastkit.losses._softmax_ce import STREAMING_ABOVE
from contrastkit.losses._streaming_ce import streaming_cross_entropy


def supcon(
    z: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float = 0.1,
    gather_distributed: bool = False,
    streaming: bool | None = None,
) -> torch.Tensor:
    r"""Supervised contrastive loss, the "L_out" form of Khosla et al. 2020 (Eq. 2).

    Every row is an anchor; :math:`P(i)` are the other rows with the same label and
    :math:`A(i)` all rows but i:

    .. math::
        L = \frac{1}{|I|} \sum_{i \in I} \frac{-1}{|P(i)|} \sum_{p \in P(i)}
            \log \frac{\exp(\hat z_i \cdot \hat z_p / \tau)}{\sum_{a \in A(i)} \exp(\hat z_i \cdot \hat z_a / \tau)}

    where :math:`I` are the anchors with at least one positive (anchors with none are
    skipped; a batch with no positive pair at all gives 0 with a zero gradient).

    Args:
        z: embeddings, several views per sample stacked as rows (e.g. ``cat([z1, z2])`` with
            ``labels.repeat(2)``).
        labels: integer class of each row.
        temperature: τ > 0; the paper uses 0.1.
        gather_distributed: contrast against the rows of every rank (full gradient); the
            mean is over the global set of anchors, as on one process.
        streaming: compute in tiles of rows, never holding the M×WM similarities (same value
            and gradient, memory O(M·D)); None: only above 2²⁶ logits.

    Shapes: z (M, D), labels (M,) with M ≥ 2 → scalar.

    Use a class-balanced sampler so most anchors have positives. Related: :func:`nt_xent`
    (the label-free special case where only the other view is positive).

    Reference: Khosla et al., "Supervised Contrastive Learning", NeurIPS 2020,
    https://arxiv.org/abs/2004.11362.

    Example:
        >>> z, y = torch.randn(8, 16), torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
        >>> loss = supcon(z, y, temperature=0.1)
    """
    check_temperature(temperature)
    check_embeddings(z, names=("z",))
    if labels.shape != (z.shape[0],) or labels.is_floating_point():
        raise ValueError(
            f"labels must be integers of shape ({z.shape[0]},), got {labels.dtype} "
            f"of shape {tuple(labels.shape)}."
        )
    with full_precision(z.device):
        q = normalize(z)  # (M, D)
        m = q.shape[0]
        if gather_distributed:
            k, k_labels = distributed.gather_with_grad(q), distributed.gather(labels)  # (WM, D)
            offset = distributed.rank() * m
        else:
            k, k_labels, offset = q, labels, 0
        rows = torch.arange(m, device=q.device)
        if streaming or (streaming is None and m * k.shape[0] > STREAMING_ABOVE):
            return _streaming_supcon(
                q, k, labels, k_labels, rows + offset, temperature, gather_distributed
            )
        logits = (q @ k.t()) / temperature  # (M, WM)
        logits = logits.index_put(
            (rows, rows + offset), torch.tensor(float("-inf"), device=q.device, dtype=logits.dtype)
        )
        log_prob = logits - logits.logsumexp(dim=1, keepdim=True)  # (M, WM)
        positive = labels[:, None] == k_labels[None, :]  # (M, WM)
        positive[rows, rows + offset] = False
        n_pos = positive.sum(dim=1)  # (M,)
        per_anchor = -torch.where(positive, log_prob, 0.0).sum(dim=1) / n_pos.clamp(min=1)
        has_pos = (n_pos > 0).to(log_prob.dtype)
        n_anchors = has_pos.sum()
        if gather_distributed:  # global mean: divide by the mean anchor count over ranks
            n_anchors = distributed.all_reduce_mean(n_anchors)
        if n_anchors == 0:
            return (q * 0.0).sum()
        return (per_anchor * has_pos).sum() / n_anchors


def _streaming_supcon(
    q: torch.Tensor,
    k: torch.Tensor,
    labels: torch.Tensor,
    k_labels: torch.Tensor,
    itself: torch.Tensor,
    temperature: float,
    gather_distributed: bool,
) -> torch.Tensor:
    """:func:`supcon` in tiles of rows: the anchors with a positive counted from label
    frequencies, the loss summed by the streaming kernel."""
    values, inverse = torch.unique(torch.cat([labels, k_labels]), return_inverse=True)
    counts = torch.bincount(inverse[len(labels) :], minlength=len(values))
    has_pos = (counts[inverse[: len(labels)]] - 1 > 0).to(q.dtype)  # others with my label
    n_anchors = has_pos.sum()
    if gather_distributed:
        n_anchors = distributed.all_reduce_mean(n_anchors)
    if n_anchors == 0:
        return (q * 0.0).sum()
    total = streaming_cross_entropy(q, k, labels, k_labels, 1.0 / temperature, exclude=itself)
    return total / n_anchors


class SupConLoss(nn.Module):
    """Module twin of :func:`supcon`; see it for the formula, shapes and reference."""

    def __init__(self, temperature: float = 0.1, gather_distributed: bool = False) -> None:
        super().__init__()
        check_temperature(temperature)
        self.temperature = temperature
        self.gather_distributed = gather_distributed

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return supcon(
            z, labels, temperature=self.temperature, gather_distributed=self.gather_distributed
        )
