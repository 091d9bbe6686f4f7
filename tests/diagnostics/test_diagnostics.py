"""Diagnostics (diagnostics/geometry.py, diagnostics/collapse.py): references, closed forms,
healthy values stated in the docstrings, invariances, rejections."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.diagnostics import (
    alignment,
    effective_rank,
    positive_negative_gap,
    std_of_l2_normalized,
    uniformity,
)
from reference.compare import assert_same_value_and_grads
from reference.diagnostics import (
    alignment_ref,
    effective_rank_ref,
    positive_negative_gap_ref,
    std_of_l2_normalized_ref,
    uniformity_ref,
)


def randn(*shape: int, gen: torch.Generator | None = None) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def scalar(value: float) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float64)


sizes = {"n": st.integers(2, 8), "d": st.integers(2, 6), "seed": st.integers(0, 2**31)}


# --- against the references -------------------------------------------------------------------


@settings(max_examples=30)
@given(alpha=st.floats(0.5, 4.0), **sizes)
def test_alignment_matches_reference(alpha, n, d, seed):
    gen = torch.Generator().manual_seed(seed)
    assert_same_value_and_grads(
        lambda x, y: alignment(x, y, alpha=alpha),
        lambda x, y: alignment_ref(x, y, alpha),
        randn(n, d, gen=gen),
        randn(n, d, gen=gen),
    )


@settings(max_examples=30)
@given(t=st.floats(0.1, 5.0), **sizes)
def test_uniformity_matches_reference(t, n, d, seed):
    x = randn(n, d, gen=torch.Generator().manual_seed(seed))
    assert_same_value_and_grads(lambda z: uniformity(z, t=t), lambda z: uniformity_ref(z, t), x)


@settings(max_examples=30)
@given(**sizes)
def test_std_of_l2_normalized_matches_reference(n, d, seed):
    x = randn(n, d, gen=torch.Generator().manual_seed(seed))
    assert_same_value_and_grads(std_of_l2_normalized, std_of_l2_normalized_ref, x)


@settings(max_examples=30)
@given(**sizes)
def test_positive_negative_gap_matches_reference(n, d, seed):
    gen = torch.Generator().manual_seed(seed)
    assert_same_value_and_grads(
        positive_negative_gap, positive_negative_gap_ref, randn(n, d, gen=gen), randn(n, d, gen=gen)
    )


@settings(max_examples=30)
@given(n=st.integers(1, 10), d=st.integers(1, 8), seed=st.integers(0, 2**31))
def test_effective_rank_matches_reference(n, d, seed):
    z = randn(n, d, gen=torch.Generator().manual_seed(seed))
    # the library adds ε = 1e-12 to each p_k (RankMe's smoothing): a ~1e-10 relative bias
    torch.testing.assert_close(effective_rank(z), effective_rank_ref(z), rtol=1e-9, atol=0)


def test_effective_rank_of_a_low_rank_matrix_matches_reference():
    z = randn(20, 3) @ randn(3, 10)  # rank 3 in 10 dimensions
    torch.testing.assert_close(effective_rank(z), effective_rank_ref(z), rtol=1e-9, atol=0)
    assert 1.0 < effective_rank(z) <= 3.0 + 1e-9


# --- closed forms and healthy values ----------------------------------------------------------


def test_collapsed_rows():
    row = randn(1, 6)
    z = row.expand(10, 6) * torch.rand(10, 1, dtype=torch.float64).add(0.5)  # same direction
    torch.testing.assert_close(uniformity(z), scalar(0.0))
    torch.testing.assert_close(std_of_l2_normalized(z), scalar(0.0))
    torch.testing.assert_close(effective_rank(z), scalar(1.0))
    torch.testing.assert_close(alignment(z, z.flip(0)), scalar(0.0))
    torch.testing.assert_close(positive_negative_gap(z, z.flip(0)), scalar(0.0))


def test_isotropic_gaussian_is_healthy():
    n, d = 4000, 64
    z = randn(n, d)
    # each coordinate of a uniform point on the sphere has variance 1/D
    assert abs(float(std_of_l2_normalized(z)) * math.sqrt(d) - 1.0) < 0.02
    assert float(effective_rank(z)) > 0.97 * d
    assert float(effective_rank(z)) <= d


def test_uniformity_approaches_minus_four_in_high_dimension():
    # ‖x̂_i − x̂_j‖² = 2 − 2 cos with cos ~ N(0, 1/D): log E e^{−2(2 − 2cos)} ≈ −4 + 8/D
    d = 512
    value = float(uniformity(randn(300, d), t=2))
    assert abs(value - (-4 + 8 / d)) < 0.02
    assert value > -4.0


def test_uniformity_of_antipodal_pair():
    x = torch.tensor([[1.0, 0.0], [-2.0, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(uniformity(x, t=2), scalar(-8.0))  # log e^{−2·4}
    torch.testing.assert_close(uniformity(x, t=0.5), scalar(-2.0))


@settings(max_examples=30)
@given(t=st.floats(0.1, 5.0), **sizes)
def test_uniformity_lower_bound(t, n, d, seed):
    # Jensen: log E e^{−t‖·‖²} ≥ −t E‖x̂_i − x̂_j‖² ≥ −t · 2N/(N − 1), since Σ_{i<j}‖·‖² ≤ N²
    x = randn(n, d, gen=torch.Generator().manual_seed(seed))
    assert float(uniformity(x, t=t)) >= -t * 2 * n / (n - 1) - 1e-12


def test_uniformity_of_a_regular_simplex():
    # D + 1 unit vectors with pairwise cos −1/D: ‖·‖² = 2 + 2/D for every pair, which
    # attains the lower bound −4N/(N − 1) (below −4: the range is not [−4, 0] for small N)
    d = 4
    e = torch.eye(d + 1, dtype=torch.float64)
    simplex = e - e.mean(dim=0)  # rank D, lives in a D-dim subspace of R^{D+1}
    torch.testing.assert_close(uniformity(simplex, t=2), scalar(-2 * (2 + 2 / d)))


@pytest.mark.parametrize("alpha", [1, 2, 3.5])
def test_alignment_closed_forms(alpha: float):
    x = randn(5, 4)
    torch.testing.assert_close(alignment(x, 2.0 * x, alpha=alpha), scalar(0.0))  # identical dirs
    torch.testing.assert_close(alignment(x, -x, alpha=alpha), scalar(2.0**alpha))  # antipodal
    e = torch.eye(4, dtype=torch.float64)
    torch.testing.assert_close(alignment(e[:2], e[2:], alpha=alpha), scalar(math.sqrt(2) ** alpha))


def test_positive_negative_gap_closed_forms():
    e = torch.eye(5, dtype=torch.float64)
    torch.testing.assert_close(positive_negative_gap(e, e), scalar(1.0))  # pos 1, neg 0
    ones = torch.ones(4, 3, dtype=torch.float64)
    torch.testing.assert_close(positive_negative_gap(ones, ones), scalar(0.0))
    # pairs antipodal, everything else orthogonal: −1 − 0
    torch.testing.assert_close(positive_negative_gap(e, -e), scalar(-1.0))


def test_effective_rank_closed_forms():
    torch.testing.assert_close(effective_rank(torch.eye(7, dtype=torch.float64)), scalar(7.0))
    # singular values 3, 1: p = (3/4, 1/4), exp(H) = 4 / 3^{3/4}
    z = torch.diag(torch.tensor([3.0, 1.0], dtype=torch.float64))
    torch.testing.assert_close(effective_rank(z), scalar(4 / 3**0.75))
    # only the singular values matter: a rotated rank-3 projection in 6-D has rank 3
    q, _ = torch.linalg.qr(randn(6, 6))
    torch.testing.assert_close(effective_rank(q[:, :3] @ q[:, :3].t()), scalar(3.0))


def test_dimensional_collapse_lowers_effective_rank_but_not_std():
    # a quarter of the dimensions used: effective rank ≈ D/4 though rows still spread
    n, d = 2000, 32
    z = torch.zeros(n, d, dtype=torch.float64)
    z[:, : d // 4] = randn(n, d // 4)
    assert abs(float(effective_rank(z)) - d / 4) < 0.3
    assert float(effective_rank(randn(n, d))) > 3 * float(effective_rank(z))


# --- invariances ------------------------------------------------------------------------------


def test_row_scaling_invariance_of_the_sphere_diagnostics():
    x, y = randn(6, 4), randn(6, 4)
    s, r = torch.rand(6, 1).double() * 10 + 0.1, torch.rand(6, 1).double() + 0.5
    exact = {"rtol": 1e-12, "atol": 1e-14}
    torch.testing.assert_close(alignment(x * s, y * r), alignment(x, y), **exact)
    torch.testing.assert_close(uniformity(x * s), uniformity(x), **exact)
    torch.testing.assert_close(std_of_l2_normalized(x * s), std_of_l2_normalized(x), **exact)
    torch.testing.assert_close(
        positive_negative_gap(x * s, y * r), positive_negative_gap(x, y), **exact
    )


def test_effective_rank_is_invariant_to_global_scale_and_rotation_only():
    z = randn(10, 5)
    q, _ = torch.linalg.qr(randn(5, 5))
    torch.testing.assert_close(effective_rank(7.5 * z), effective_rank(z))
    torch.testing.assert_close(effective_rank(z @ q), effective_rank(z))
    row_scales = torch.logspace(-2, 2, 10, dtype=torch.float64)[:, None]
    assert not torch.isclose(effective_rank(z * row_scales), effective_rank(z))


def test_permutation_invariance():
    x, y = randn(7, 4), randn(7, 4)
    perm = torch.randperm(7)
    for fn in (alignment, positive_negative_gap):
        torch.testing.assert_close(fn(x[perm], y[perm]), fn(x, y))
    for fn in (uniformity, std_of_l2_normalized, effective_rank):
        torch.testing.assert_close(fn(x[perm]), fn(x))
    # control: the pairing matters for the pair diagnostics
    assert not torch.isclose(positive_negative_gap(x, y.roll(1, 0)), positive_negative_gap(x, y))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32], ids=str)
def test_low_precision_input_is_upcast(dtype: torch.dtype):
    x, y = randn(16, 8).to(dtype), randn(16, 8).to(dtype)
    for fn, args in [
        (alignment, (x, y)),
        (positive_negative_gap, (x, y)),
        (uniformity, (x,)),
        (std_of_l2_normalized, (x,)),
        (effective_rank, (x,)),
    ]:
        value = fn(*args)
        assert value.dtype == torch.float32
        exact = fn(*(a.double() for a in args))
        torch.testing.assert_close(value.double(), exact, rtol=1e-5, atol=1e-5)


def test_differentiable_and_uniformity_finite_at_collapse():
    x = torch.ones(5, 3, dtype=torch.float64, requires_grad=True)
    uniformity(x).backward()
    assert torch.isfinite(x.grad).all()
    x = randn(5, 3).requires_grad_(True)
    assert torch.autograd.gradcheck(uniformity, (x,))
    assert torch.autograd.gradcheck(alignment, (x, randn(5, 3).requires_grad_(True)))
    assert torch.autograd.gradcheck(positive_negative_gap, (x, randn(5, 3).requires_grad_(True)))
    assert torch.autograd.gradcheck(std_of_l2_normalized, (x,))
    assert torch.autograd.gradcheck(effective_rank, (x,))


# --- rejections -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_rejects_non_2d_input(shape):
    x = torch.randn(*shape)
    for call in (
        lambda: alignment(x, x),
        lambda: positive_negative_gap(x, x),
        lambda: uniformity(x),
        lambda: std_of_l2_normalized(x),
        lambda: effective_rank(x),
    ):
        with pytest.raises(ValueError, match="2-D"):
            call()


def test_rejects_mismatched_pairs():
    for fn in (alignment, positive_negative_gap):
        with pytest.raises(ValueError, match="same shape"):
            fn(torch.randn(4, 3), torch.randn(5, 3))
        with pytest.raises(ValueError, match="same shape"):
            fn(torch.randn(4, 3), torch.randn(4, 2))


def test_rejects_a_single_row_where_pairs_are_needed():
    one = torch.randn(1, 3)
    for call in (
        lambda: uniformity(one),
        lambda: std_of_l2_normalized(one),
        lambda: positive_negative_gap(one, one),
    ):
        with pytest.raises(ValueError, match="at least 2 rows"):
            call()
    # alignment of one pair is well defined
    torch.testing.assert_close(alignment(one, -one), torch.tensor(4.0))
