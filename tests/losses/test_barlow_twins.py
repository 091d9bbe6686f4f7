"""Barlow Twins (losses/barlow_twins.py) against Zbontar 2021 Eq. 1–2, closed forms, invariances."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import BarlowTwinsLoss, barlow_twins_loss
from reference.compare import assert_same_value_and_grads
from reference.losses_zoo import barlow_twins_ref


def randn(*shape: int, gen: torch.Generator | None = None) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


# columns of a 4×4 Hadamard matrix without the all-ones one: mean 0, biased variance 1,
# mutually orthogonal — already standardised and decorrelated, so C = I
HADAMARD = torch.tensor(
    [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=torch.float64
)  # (4, 3)


@settings(max_examples=30)
@given(
    # N = 2 standardises every column to ±1 exactly: a flat loss, nothing to compare
    n=st.integers(3, 7),
    d=st.integers(1, 5),
    lambd=st.floats(0.0, 2.0),
    eps=st.sampled_from([0.0, 1e-5, 0.1]),
    seed=st.integers(0, 2**31),
)
def test_matches_reference_in_value_and_gradient(n, d, lambd, eps, seed):
    gen = torch.Generator().manual_seed(seed)
    z1, z2 = randn(n, d, gen=gen), randn(n, d, gen=gen)
    assert_same_value_and_grads(
        lambda a, b: barlow_twins_loss(a, b, lambda_offdiag=lambd, eps=eps),
        lambda a, b: barlow_twins_ref(a, b, lambd, eps),
        z1,
        z2,
    )


def test_identical_standardised_decorrelated_views_give_zero():
    loss = barlow_twins_loss(HADAMARD, HADAMARD, eps=0.0)
    torch.testing.assert_close(loss, torch.tensor(0.0, dtype=torch.float64), atol=1e-15, rtol=0)


def test_scaling_and_shifting_dimensions_changes_nothing():
    # standardisation removes any per-dimension affine map with a positive scale
    z1, z2 = randn(8, 5), randn(8, 5)
    scale, shift = torch.rand(5, dtype=torch.float64) * 10 + 0.1, randn(5) * 3
    torch.testing.assert_close(
        barlow_twins_loss(z1 * scale + shift, z2, eps=0.0),
        barlow_twins_loss(z1, z2, eps=0.0),
        rtol=1e-12,
        atol=1e-12,
    )
    zero = barlow_twins_loss(HADAMARD * scale[:3] + shift[:3], HADAMARD, eps=0.0)
    torch.testing.assert_close(zero, torch.tensor(0.0, dtype=torch.float64), atol=1e-12, rtol=0)


def test_opposite_views_give_four_per_dimension():
    # C = −I: every diagonal term is (1 − (−1))² = 4, the off-diagonal is 0
    loss = barlow_twins_loss(HADAMARD, -HADAMARD, eps=0.0)
    torch.testing.assert_close(loss, torch.tensor(12.0, dtype=torch.float64))


def test_redundant_dimensions_pay_lambda_for_their_correlation():
    # two copies of one standardised column: C = all-ones 2×2, diagonal 0, off-diagonal 2λ
    z = HADAMARD[:, :1].repeat(1, 2)
    loss = barlow_twins_loss(z, z, lambda_offdiag=0.25, eps=0.0)
    torch.testing.assert_close(loss, torch.tensor(0.5, dtype=torch.float64))


def test_swapping_the_views_leaves_the_loss_unchanged():
    z1, z2 = randn(6, 4), randn(6, 4)
    torch.testing.assert_close(barlow_twins_loss(z1, z2), barlow_twins_loss(z2, z1))


def test_permuting_the_batch_leaves_the_loss_unchanged():
    z1, z2, perm = randn(7, 4), randn(7, 4), torch.randperm(7)
    torch.testing.assert_close(
        barlow_twins_loss(z1[perm], z2[perm]), barlow_twins_loss(z1, z2), rtol=1e-12, atol=0
    )


def test_constant_dimension_stays_finite_with_the_default_eps():
    z1, z2 = randn(6, 3), randn(6, 3)
    z1[:, 1] = 2.0
    z1.requires_grad_(True)
    loss = barlow_twins_loss(z1, z2)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z1.grad).all()


def test_gradcheck():
    z1, z2 = randn(5, 3).requires_grad_(True), randn(5, 3).requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda a, b: barlow_twins_loss(a, b, lambda_offdiag=0.3), (z1, z2)
    )


def test_gathering_on_one_process_is_the_plain_loss():
    z1, z2 = randn(6, 4), randn(6, 4)
    assert torch.equal(BarlowTwinsLoss(gather_distributed=True)(z1, z2), barlow_twins_loss(z1, z2))


@pytest.mark.parametrize("kwargs", [{"lambda_offdiag": -1e-3}, {"eps": -1.0}], ids=str)
def test_rejects_negative_hyper_parameters(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        barlow_twins_loss(randn(4, 3), randn(4, 3), **kwargs)
    with pytest.raises(ValueError, match=name):
        BarlowTwinsLoss(**kwargs)
