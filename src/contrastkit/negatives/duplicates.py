"""How often a batch's negatives are near-duplicates of their anchor.

Measured on the raw inputs, not on embeddings: pair (i, j), i ≠ j, is a near-duplicate when
the cosine of their raw vectors exceeds ``threshold``. For frames of a fixed camera the raw
pixels share the static background (every pair's cosine is ≈ 0.99), so callers centre each
frame on its video's mean frame first, and the cosine reads what moved.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def near_duplicate_share(
    raw: torch.Tensor, threshold: float, exclude: torch.Tensor | None = None
) -> tuple[int, int]:
    """``(near-duplicate negatives, negatives)`` among the anchor pairs of one batch: every
    (i, j), i ≠ j, not marked in ``exclude`` (an ``(N, N)`` bool mask of pairs that are no
    negatives) is a negative.

    Shapes: raw (N, D) → two ints.
    """
    x = F.normalize(raw.flatten(1).float(), dim=1)
    negative = ~torch.eye(len(x), dtype=torch.bool, device=x.device)
    if exclude is not None:
        negative &= ~exclude
    duplicate = (x @ x.T > threshold) & negative
    return int(duplicate.sum()), int(negative.sum())
