"""Batch-hard and semi-hard miners equal a brute-force search over every triplet."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import triplet_margin
from contrastkit.negatives import batch_hard, semi_hard


def _distance(z: torch.Tensor, i: int, j: int) -> float:
    u, v = (z[k].double() / z[k].double().norm() for k in (i, j))
    return math.sqrt(max(0.0, 2 - 2 * float(u @ v)))


def batch_hard_reference(z, labels) -> list[tuple[int, int, int]]:
    out = []
    n = len(labels)
    for a in range(n):
        positives = [p for p in range(n) if p != a and labels[p] == labels[a]]
        negatives = [q for q in range(n) if labels[q] != labels[a]]
        if not positives or not negatives:
            continue
        # first index among ties: max over -index as a tie-breaker
        p = max(positives, key=lambda j: (_distance(z, a, j), -j))
        q = min(negatives, key=lambda j: (_distance(z, a, j), j))
        out.append((a, p, q))
    return out


def semi_hard_reference(z, labels, margin) -> list[tuple[int, int, int]]:
    out = []
    n = len(labels)
    for a in range(n):
        for p in range(n):
            if p == a or labels[p] != labels[a]:
                continue
            d_ap = _distance(z, a, p)
            inside = [
                q
                for q in range(n)
                if labels[q] != labels[a] and d_ap < _distance(z, a, q) < d_ap + margin
            ]
            if inside:
                out.append((a, p, min(inside, key=lambda j: (_distance(z, a, j), j))))
    return out


def _batch(data, n: int, classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    seed = data.draw(st.integers(0, 2**31))
    z = torch.randn(n, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    labels = torch.tensor(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)))
    return z, labels


def _triplets(result) -> list[tuple[int, int, int]]:
    return list(zip(*(t.tolist() for t in result), strict=True))


@settings(max_examples=60)
@given(data=st.data(), n=st.integers(2, 12), classes=st.integers(1, 4))
def test_batch_hard_equals_brute_force(data, n, classes):
    z, labels = _batch(data, n, classes)
    assert _triplets(batch_hard(z, labels)) == batch_hard_reference(z, labels.tolist())


@settings(max_examples=60)
@given(data=st.data(), n=st.integers(2, 12), classes=st.integers(1, 4), margin=st.floats(0.05, 1.5))
def test_semi_hard_equals_brute_force(data, n, classes, margin):
    z, labels = _batch(data, n, classes)
    assert _triplets(semi_hard(z, labels, margin)) == semi_hard_reference(
        z, labels.tolist(), margin
    )


def test_ties_go_to_the_lowest_index_and_the_triplets_feed_the_margin_loss():
    z = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [-1.0, 0.0]])
    labels = torch.tensor([0, 0, 1, 1, 0])
    a, p, n = batch_hard(z, labels)
    assert a.tolist() == [0, 1, 2, 3, 4] and n.tolist()[:2] == [2, 2]  # 2 and 3 tie: 2
    assert p.tolist()[0] == 4  # the farthest positive of 0 is its opposite
    loss = triplet_margin(z[a], z[p], z[n], margin=1.0)
    assert torch.isfinite(loss)
    with pytest.raises(ValueError, match="margin must be positive"):
        semi_hard(z, labels, margin=0)


def test_a_batch_without_positives_or_negatives_mines_nothing():
    z = torch.randn(4, 3)
    for labels in (torch.arange(4), torch.zeros(4, dtype=torch.long)):
        assert all(len(t) == 0 for t in batch_hard(z, labels))
        assert all(len(t) == 0 for t in semi_hard(z, labels))
