"""NT-Xent (losses/nt_xent.py) against SimCLR Eq. 1, closed forms and invariances."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import NTXentLoss, nt_xent
from reference.compare import assert_same_value_and_grads
from reference.losses import nt_xent_ref


def views(n: int, d: int, gen: torch.Generator | None = None):
    return (torch.randn(n, d, generator=gen, dtype=torch.float64) for _ in range(2))


@settings(max_examples=30)
@given(
    n=st.integers(2, 6),
    d=st.integers(2, 6),
    tau=st.floats(0.05, 5.0),
    seed=st.integers(0, 2**31),
)
def test_matches_reference_in_value_and_gradient(n, d, tau, seed):
    z1, z2 = views(n, d, torch.Generator().manual_seed(seed))
    assert_same_value_and_grads(
        lambda a, b: nt_xent(a, b, temperature=tau),
        lambda a, b: nt_xent_ref(a, b, tau),
        z1,
        z2,
    )


@pytest.mark.parametrize("n", [2, 3, 5])
@pytest.mark.parametrize("tau", [0.05, 0.5, 2.0])
def test_mutually_orthogonal_views_give_log_2n_minus_1(n: int, tau: float):
    # every similarity is 0, positive included: a uniform guess among 2N − 1 candidates
    eye = torch.eye(2 * n, dtype=torch.float64)
    loss = nt_xent(eye[:n], eye[n:], temperature=tau)
    torch.testing.assert_close(loss, torch.tensor(math.log(2 * n - 1), dtype=torch.float64))


@pytest.mark.parametrize("n", [2, 4])
@pytest.mark.parametrize("tau", [0.05, 0.5, 2.0])
def test_identical_orthonormal_views_closed_form(n: int, tau: float):
    # positive similarity 1, the 2N − 2 negatives 0: ℓ = log(1 + (2N − 2) e^{−1/τ})
    z = torch.eye(n, dtype=torch.float64)
    expected = math.log1p((2 * n - 2) * math.exp(-1 / tau))
    torch.testing.assert_close(
        nt_xent(z, z.clone(), temperature=tau), torch.tensor(expected, dtype=torch.float64)
    )


def test_identical_well_separated_views_at_small_temperature_give_zero():
    z = torch.eye(8, dtype=torch.float64)[:4] * 3.0
    assert float(nt_xent(z, z.clone(), temperature=0.02)) < 1e-20


def test_random_views_at_huge_temperature_approach_log_2n_minus_1():
    z1, z2 = views(6, 5)
    assert abs(float(nt_xent(z1, z2, temperature=1e6)) - math.log(11)) < 1e-5


def test_better_aligned_views_give_lower_loss():
    z1 = torch.randn(8, 16, dtype=torch.float64)
    noise = torch.randn(8, 16, dtype=torch.float64)
    losses = [float(nt_xent(z1, z1 + s * noise)) for s in (0.1, 1.0, 10.0)]
    assert losses[0] < losses[1] < losses[2]


def test_permuting_the_batch_leaves_the_loss_unchanged():
    z1, z2 = views(7, 5)
    perm = torch.randperm(7)
    torch.testing.assert_close(nt_xent(z1[perm], z2[perm]), nt_xent(z1, z2), rtol=1e-13, atol=0)


def test_permuting_only_one_view_changes_the_loss():
    # control for the test above: the pairing of rows matters
    z1, z2 = views(7, 5)
    assert not torch.isclose(nt_xent(z1, z2.roll(1, 0)), nt_xent(z1, z2))


def test_swapping_the_views_leaves_the_loss_unchanged():
    z1, z2 = views(5, 4)
    torch.testing.assert_close(nt_xent(z2, z1), nt_xent(z1, z2), rtol=1e-13, atol=0)


def test_scaling_rows_by_positive_numbers_leaves_the_loss_unchanged():
    z1, z2 = views(5, 4)
    s1, s2 = torch.rand(5, 1, dtype=torch.float64) * 10 + 0.1, torch.rand(5, 1).double() + 0.5
    torch.testing.assert_close(nt_xent(z1 * s1, z2 * s2), nt_xent(z1, z2), rtol=1e-13, atol=0)


def test_gradient_is_orthogonal_to_each_row():
    # the loss depends on each row only through its direction (Euler, degree 0)
    z1, z2 = (z.requires_grad_(True) for z in views(5, 4))
    nt_xent(z1, z2).backward()
    for z in (z1, z2):
        torch.testing.assert_close((z.grad * z).sum(dim=1), torch.zeros(5, dtype=torch.float64))


def test_gradcheck():
    z1, z2 = (z.requires_grad_(True) for z in views(3, 4))
    assert torch.autograd.gradcheck(lambda a, b: nt_xent(a, b, temperature=0.3), (z1, z2))


def test_module_twin_uses_its_temperature():
    z1, z2 = views(4, 3)
    assert torch.equal(NTXentLoss(temperature=0.2)(z1, z2), nt_xent(z1, z2, temperature=0.2))
    assert not torch.equal(NTXentLoss()(z1, z2), nt_xent(z1, z2, temperature=0.2))
