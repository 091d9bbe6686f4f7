"""The multi-crop "swapped prediction" cross-entropy shared by SwAV and DINO."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def cross_view_cross_entropy(
    log_probs: Sequence[torch.Tensor], targets: Sequence[torch.Tensor]
) -> torch.Tensor:
    r"""Mean over crop pairs (t, v) with v ≠ t of :math:`-\frac1B \sum_b \sum_k q^{(t)}_{bk} \log p^{(v)}_{bk}`.

    ``targets[t]`` belongs to crop t (the first ``len(targets)`` crops, the large ones), so a
    crop never predicts its own target. SwAV averages over crops v for each code crop t, then
    over t; DINO averages over all pairs at once. Every t has the same ``V − 1`` partners, so
    the two orders give the same number.

    Shapes: log_probs V × (B, K), targets T × (B, K) with T ≤ V → scalar.
    """
    terms = [
        -(q * log_p).sum(dim=1).mean()
        for t, q in enumerate(targets)
        for v, log_p in enumerate(log_probs)
        if v != t
    ]
    return torch.stack(terms).mean()
