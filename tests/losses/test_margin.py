"""Triplet (Schroff 2015) and pairwise contrastive (Hadsell 2006) losses (losses/margin.py)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import (
    PairwiseMarginLoss,
    TripletMarginLoss,
    pairwise_margin,
    triplet_margin,
)
from reference.compare import assert_same_value_and_grads, value_and_grads
from reference.losses import pairwise_margin_ref, triplet_ref


def randn(*shape: int, gen: torch.Generator | None = None) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


@settings(max_examples=30)
@given(
    n=st.integers(2, 8),
    d=st.integers(1, 6),
    margin=st.floats(0.0, 4.0),
    seed=st.integers(0, 2**31),
)
def test_triplet_matches_reference_in_value_and_gradient(n, d, margin, seed):
    gen = torch.Generator().manual_seed(seed)
    a, p, neg = randn(n, d, gen=gen), randn(n, d, gen=gen), randn(n, d, gen=gen)
    assert_same_value_and_grads(
        lambda x, y, z: triplet_margin(x, y, z, margin=margin),
        lambda x, y, z: triplet_ref(x, y, z, margin),
        a,
        p,
        neg,
    )


@settings(max_examples=30)
@given(
    same=st.lists(st.booleans(), min_size=2, max_size=8),
    d=st.integers(1, 6),
    margin=st.floats(0.0, 4.0),
    seed=st.integers(0, 2**31),
)
def test_pairwise_matches_reference_in_value_and_gradient(same, d, margin, seed):
    gen = torch.Generator().manual_seed(seed)
    same = torch.tensor(same)
    x1, x2 = randn(len(same), d, gen=gen), randn(len(same), d, gen=gen)
    assert_same_value_and_grads(
        lambda x, y: pairwise_margin(x, y, same, margin=margin),
        lambda x, y: pairwise_margin_ref(x, y, same, margin),
        x1,
        x2,
    )


def _offsets(d_pos: list[float], d_neg: list[float]):
    """Anchors at random points, positives/negatives at the given distances along ±e_0, e_1."""
    n = len(d_pos)
    a = randn(n, 3)
    p = a.clone()
    p[:, 0] += torch.tensor(d_pos, dtype=torch.float64)
    neg = a.clone()
    neg[:, 1] -= torch.tensor(d_neg, dtype=torch.float64)
    return a, p, neg


def test_triplet_closed_form():
    a, p, neg = _offsets([1.0, 2.0, 0.5], [1.5, 1.0, 3.0])
    # max(0, d⁺ − d⁻ + m) with m = 0.7: 0.2, 1.7, 0 → mean 0.6333…
    torch.testing.assert_close(
        triplet_margin(a, p, neg, margin=0.7), torch.tensor(1.9 / 3, dtype=torch.float64)
    )


def test_triplet_is_zero_with_zero_gradient_when_negatives_are_far():
    a, p = randn(6, 4), randn(6, 4)
    value, grads = value_and_grads(
        lambda x, y, z: triplet_margin(x, y, z, margin=1.0), a, p, a + 100
    )
    assert value.item() == 0.0
    assert all(torch.equal(g, torch.zeros_like(g)) for g in grads)


def test_triplet_equals_margin_when_positive_and_negative_coincide():
    a, p = randn(5, 4), randn(5, 4)
    torch.testing.assert_close(
        triplet_margin(a, p, p.clone(), margin=0.3), torch.tensor(0.3, dtype=torch.float64)
    )


def test_pairwise_closed_forms():
    same = torch.tensor([True, True, False, False])
    x1 = torch.zeros(4, 2, dtype=torch.float64)
    x2 = torch.tensor([[3.0, 4.0], [0.0, 0.0], [0.6, 0.8], [3.0, 4.0]], dtype=torch.float64)
    # distances 5, 0, 1, 5 with m = 2: ½·25, 0, ½·(2 − 1)², 0 (dissimilar beyond the margin)
    expected = (12.5 + 0.0 + 0.5 + 0.0) / 4
    torch.testing.assert_close(
        pairwise_margin(x1, x2, same, margin=2.0), torch.tensor(expected, dtype=torch.float64)
    )


def test_pairwise_accepts_integer_labels_like_booleans():
    x1, x2 = randn(6, 3), randn(6, 3)
    same = torch.tensor([1, 0, 1, 1, 0, 0])
    torch.testing.assert_close(
        pairwise_margin(x1, x2, same, margin=1.5), pairwise_margin(x1, x2, same.bool(), margin=1.5)
    )


def test_coincident_points_give_finite_zero_gradient():
    # ‖x‖ has no derivative at 0; vector_norm's subgradient there is 0, never NaN
    x = randn(4, 3)
    same = torch.tensor([True, True, False, False])
    _, grads = value_and_grads(lambda a, b: pairwise_margin(a, b, same, margin=1.0), x, x.clone())
    assert all(torch.isfinite(g).all() for g in grads)
    assert torch.equal(grads[0][:2], torch.zeros(2, 3, dtype=torch.float64))


def test_rigid_motions_and_permutations_leave_both_losses_unchanged():
    a, p, neg = randn(7, 4), randn(7, 4), randn(7, 4)
    same = torch.arange(7) % 3 == 0
    rotation, _ = torch.linalg.qr(randn(4, 4))
    shift = randn(1, 4)
    move = lambda x: x @ rotation + shift  # noqa: E731
    perm = torch.randperm(7)
    for transform in (move, lambda x: x[perm]):
        torch.testing.assert_close(
            triplet_margin(*map(transform, (a, p, neg)), margin=2.0),
            triplet_margin(a, p, neg, margin=2.0),
            rtol=1e-12,
            atol=1e-12,
        )
    torch.testing.assert_close(
        pairwise_margin(move(a), move(p), same, margin=2.0), pairwise_margin(a, p, same, margin=2.0)
    )
    torch.testing.assert_close(
        pairwise_margin(a[perm], p[perm], same[perm], margin=2.0),
        pairwise_margin(a, p, same, margin=2.0),
    )


def test_distance_losses_are_not_scale_invariant():
    # unlike the cosine losses: scaling every point scales the distances
    x1, x2 = randn(5, 3), randn(5, 3)
    same = torch.ones(5, dtype=torch.bool)
    torch.testing.assert_close(
        pairwise_margin(2 * x1, 2 * x2, same), 4 * pairwise_margin(x1, x2, same)
    )


def test_gradcheck():
    a, p, neg = (randn(4, 3).requires_grad_(True) for _ in range(3))
    assert torch.autograd.gradcheck(
        lambda x, y, z: triplet_margin(x, y, z, margin=2.0), (a, p, neg)
    )
    same = torch.tensor([True, False, True, False])
    assert torch.autograd.gradcheck(
        lambda x, y: pairwise_margin(x, y, same, margin=3.0), (a.detach().requires_grad_(), p)
    )


@pytest.mark.parametrize(
    "same",
    [torch.ones(5, dtype=torch.bool), torch.ones(4, 1, dtype=torch.bool), torch.tensor(True)],
    ids=["too-long", "2-d", "scalar"],
)
def test_pairwise_rejects_badly_shaped_same(same):
    with pytest.raises(ValueError, match="same must have shape"):
        pairwise_margin(randn(4, 3), randn(4, 3), same)


def test_pairwise_rejects_non_finite_same():
    with pytest.raises(ValueError, match="same contains NaN"):
        pairwise_margin(randn(2, 3), randn(2, 3), torch.tensor([1.0, float("nan")]))


def test_module_twins_use_their_margin():
    a, p, neg = randn(4, 3), randn(4, 3), randn(4, 3)
    same = torch.tensor([True, False, True, False])
    assert torch.equal(
        TripletMarginLoss(margin=0.3)(a, p, neg), triplet_margin(a, p, neg, margin=0.3)
    )
    assert torch.equal(
        PairwiseMarginLoss(margin=0.3)(a, p, same), pairwise_margin(a, p, same, margin=0.3)
    )
