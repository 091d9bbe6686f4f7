"""Top-k with a documented tie rule: equal scores rank the lower column index first.

``torch.topk`` leaves the order of equal values unspecified (on CPU it may pick any of a tied
group), which would make kNN votes and retrieval ranks depend on the backend. This helper
returns the same columns as a stable descending sort, at ``topk`` cost; only rows whose tie
straddles the k-th place pay for a full sort.
"""

from __future__ import annotations

import torch


def top_k(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` largest scores of each row, largest first, ties by lower column index.

    Equal to ``scores.sort(dim=1, descending=True, stable=True)`` truncated to ``k`` columns.

    Shapes: scores (R, N), 1 ≤ k ≤ N → values (R, k), indices (R, k).
    """
    values, indices = scores.topk(k, dim=1)  # (R, k), order inside a tie unspecified
    indices, order = indices.sort(dim=1)  # columns in index order …
    values = values.gather(1, order)
    values, order = values.sort(dim=1, descending=True, stable=True)  # … then by score
    indices = indices.gather(1, order)
    # a tie across the k-th place: topk may have kept any of the tied columns
    spill = (scores >= values[:, -1:]).sum(dim=1) > k  # (R,)
    if bool(spill.any()):
        rows = spill.nonzero().squeeze(1)
        v, i = scores[rows].sort(dim=1, descending=True, stable=True)
        values[rows], indices[rows] = v[:, :k], i[:, :k]
    return values, indices
