"""Hard-negative miners for the margin losses: index tuples chosen from a batch's distances.

Both take embeddings and labels and return ``(anchor, positive, negative)`` index tensors for
:func:`~contrastkit.losses.triplet_margin` (``z[a], z[p], z[n]``), with Euclidean distances
between L2-normalised rows (FaceNet's setting):

- batch-hard (Hermans et al. 2017): for every anchor with a positive, its farthest positive
  and its nearest negative: one triplet per anchor, the hardest of the batch;
- semi-hard (Schroff et al. 2015): for every (anchor, positive) pair, the nearest negative
  that is still farther than the positive, d(a, p) < d(a, n) < d(a, p) + margin; pairs
  without one are left out.

Ties go to the lowest index, so the result is a pure function of the batch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

Triplets = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def _distances(z: torch.Tensor) -> torch.Tensor:
    z = F.normalize(z.detach().double(), dim=1)
    return (2 - 2 * z @ z.t()).clamp(min=0).sqrt()  # (N, N)


def _relations(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    same = labels.view(-1, 1) == labels.view(1, -1)
    itself = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    return same & ~itself, ~same  # positives, negatives


def batch_hard(z: torch.Tensor, labels: torch.Tensor) -> Triplets:
    """One triplet per anchor that has a positive and a negative in the batch: its farthest
    positive, its nearest negative. Shapes: z (N, D), labels (N,) → three (T,) int64."""
    d = _distances(z)
    positive, negative = _relations(labels)
    anchors = torch.nonzero(positive.any(1) & negative.any(1)).flatten()
    far = torch.where(positive, d, -1.0)[anchors]  # farthest positive: argmax
    near = torch.where(negative, d, float("inf"))[anchors]  # nearest negative: argmin
    return anchors, _first_arg(far, largest=True), _first_arg(near, largest=False)


def semi_hard(z: torch.Tensor, labels: torch.Tensor, margin: float = 0.2) -> Triplets:
    """For each (anchor, positive) pair, the nearest negative with d(a, p) < d(a, n) <
    d(a, p) + margin; pairs with none are dropped. Shapes: z (N, D), labels (N,) → three (T,)."""
    if margin <= 0:
        raise ValueError(f"margin must be positive, got {margin}")
    d = _distances(z)
    positive, negative = _relations(labels)
    a, p = torch.nonzero(positive, as_tuple=True)
    d_ap = d[a, p].view(-1, 1)  # (P, 1)
    inside = negative[a] & (d[a] > d_ap) & (d[a] < d_ap + margin)  # (P, N)
    candidates = torch.where(inside, d[a], float("inf"))
    keep = inside.any(1)
    return a[keep], p[keep], _first_arg(candidates[keep], largest=False)


def _first_arg(values: torch.Tensor, *, largest: bool) -> torch.Tensor:
    """Per row, the lowest column holding the row's max (or min)."""
    best = values.amax(1, keepdim=True) if largest else values.amin(1, keepdim=True)
    hits = values == best
    columns = torch.arange(values.shape[1], device=values.device).expand_as(values)
    return torch.where(hits, columns, values.shape[1]).amin(1)
