"""VICReg (losses/vicreg.py): each term and the sum against Bardes 2022, and closed forms."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import VICRegLoss, covariance, invariance, variance, vicreg_loss
from reference.compare import assert_same_value_and_grads
from reference.losses_zoo import covariance_ref, invariance_ref, variance_ref, vicreg_ref


def randn(*shape: int, gen: torch.Generator | None = None) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


HADAMARD = torch.tensor([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=torch.float64)


@settings(max_examples=30)
@given(
    n=st.integers(2, 7),
    d=st.integers(1, 5),
    scale=st.floats(0.05, 3.0),  # below and above the variance hinge at std 1
    coeffs=st.tuples(st.floats(0, 30), st.floats(0, 30), st.floats(0, 3)),
    seed=st.integers(0, 2**31),
)
def test_matches_reference_in_value_and_gradient(n, d, scale, coeffs, seed):
    gen = torch.Generator().manual_seed(seed)
    z1, z2 = scale * randn(n, d, gen=gen), scale * randn(n, d, gen=gen)
    sim, std, cov = coeffs
    assert_same_value_and_grads(
        lambda a, b: vicreg_loss(a, b, sim_coeff=sim, std_coeff=std, cov_coeff=cov),
        lambda a, b: vicreg_ref(a, b, sim, std, cov),
        z1,
        z2,
    )


@pytest.mark.parametrize(
    ("term", "ref", "n_inputs"),
    [(invariance, invariance_ref, 2), (variance, variance_ref, 1), (covariance, covariance_ref, 1)],
    ids=["invariance", "variance", "covariance"],
)
def test_each_term_matches_its_equation(term, ref, n_inputs):
    inputs = [0.7 * randn(6, 4) for _ in range(n_inputs)]
    assert_same_value_and_grads(term, ref, *inputs)


def test_identical_views_have_no_invariance_cost():
    z = randn(5, 3)
    assert invariance(z, z).item() == 0.0


def test_variance_is_zero_once_every_std_reaches_one():
    z = HADAMARD * 2.0  # unbiased std 2·sqrt(4/3) > 1 in every column
    assert variance(z).item() == 0.0


def test_a_collapsed_batch_pays_the_whole_hinge():
    # all rows equal: std = sqrt(ε) in every column, v = 1 − sqrt(1e-4) = 0.99
    z = randn(1, 4).repeat(6, 1)
    torch.testing.assert_close(variance(z), torch.tensor(0.99, dtype=torch.float64))


def test_decorrelated_dimensions_have_no_covariance_cost():
    torch.testing.assert_close(covariance(HADAMARD), torch.tensor(0.0, dtype=torch.float64))


def test_duplicated_dimension_pays_its_variance_squared():
    # z = [a, a]: C = [[v, v], [v, v]], c = (v² + v²) / 2 = v²
    a = randn(8, 1)
    v = a.var()
    torch.testing.assert_close(covariance(a.repeat(1, 2)), v**2)


def test_loss_of_collapsed_identical_views():
    # invariance 0, variance 0.99 per view, covariance 0: L = μ · 0.99
    z = randn(1, 4).repeat(6, 1)
    torch.testing.assert_close(vicreg_loss(z, z), torch.tensor(25 * 0.99, dtype=torch.float64))


def test_gradcheck():
    z1, z2 = randn(5, 3).requires_grad_(True), randn(5, 3).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, b: vicreg_loss(a, b), (z1, z2))


def test_gathering_on_one_process_is_the_plain_loss():
    z1, z2 = randn(6, 4), randn(6, 4)
    assert torch.equal(VICRegLoss(gather_distributed=True)(z1, z2), vicreg_loss(z1, z2))


@pytest.mark.parametrize("name", ["sim_coeff", "std_coeff", "cov_coeff"])
@pytest.mark.parametrize("value", [-1.0, math.nan])
def test_rejects_negative_coefficients(name, value):
    with pytest.raises(ValueError, match=name):
        vicreg_loss(randn(4, 3), randn(4, 3), **{name: value})
    with pytest.raises(ValueError, match=name):
        VICRegLoss(**{name: value})


@pytest.mark.parametrize("term", [variance, covariance])
def test_terms_need_two_rows(term):
    with pytest.raises(ValueError, match="at least 2 rows"):
        term(randn(1, 3))
