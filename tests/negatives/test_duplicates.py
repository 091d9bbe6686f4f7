"""The near-duplicate share of a batch's negatives against a loop."""

from __future__ import annotations

import torch

from contrastkit.negatives import near_duplicate_share


def test_counts_pairs_above_the_threshold_that_are_negatives():
    g = torch.Generator().manual_seed(1)
    raw = torch.randn(12, 5, generator=g)
    raw[3] = raw[2] * 2 + 0.01  # a near-duplicate pair (2, 3)
    exclude = torch.zeros(12, 12, dtype=torch.bool)
    for excluded in (
        None,
        exclude.index_put((torch.tensor([2, 3]), torch.tensor([3, 2])), torch.tensor(True)),
    ):
        dup = neg = 0
        for i in range(12):
            for j in range(12):
                if i == j or (excluded is not None and excluded[i, j]):
                    continue
                neg += 1
                dup += int(torch.cosine_similarity(raw[i], raw[j], dim=0) > 0.9)
        assert near_duplicate_share(raw, 0.9, excluded) == (dup, neg)
    assert near_duplicate_share(raw, 0.9)[0] >= 2  # (2, 3) and (3, 2)
    assert near_duplicate_share(raw, 0.9, excluded)[0] == near_duplicate_share(raw, 0.9)[0] - 2
