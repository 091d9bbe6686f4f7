"""InfoNCE / MNRL (losses/info_nce.py) against van den Oord 2018, closed forms, invariances."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import InfoNCELoss, info_nce
from reference.compare import assert_same_value_and_grads
from reference.losses import info_nce_ref


def randn(*shape: int, gen: torch.Generator | None = None) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


@settings(max_examples=30)
@given(
    n=st.integers(2, 6),
    d=st.integers(2, 6),
    m=st.integers(0, 4),
    tau=st.floats(0.05, 5.0),
    symmetric=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_matches_reference_in_value_and_gradient(n, d, m, tau, symmetric, seed):
    gen = torch.Generator().manual_seed(seed)
    a, p, neg = randn(n, d, gen=gen), randn(n, d, gen=gen), randn(m, d, gen=gen)
    if m == 0:  # no extra negatives at all
        assert_same_value_and_grads(
            lambda x, y: info_nce(x, y, temperature=tau, symmetric=symmetric),
            lambda x, y: info_nce_ref(x, y, tau, symmetric=symmetric),
            a,
            p,
        )
    else:
        assert_same_value_and_grads(
            lambda x, y, z: info_nce(x, y, temperature=tau, negatives=z, symmetric=symmetric),
            lambda x, y, z: info_nce_ref(x, y, tau, negatives=z, symmetric=symmetric),
            a,
            p,
            neg,
        )


@pytest.mark.parametrize("n", [2, 5])
@pytest.mark.parametrize("m", [0, 3])
@pytest.mark.parametrize("symmetric", [False, True])
def test_all_equal_embeddings_give_log_of_the_candidate_count(n, m, symmetric):
    # every logit equal: uniform over N positives + M negatives (the reverse direction of the
    # symmetric loss sees only the N anchors, so it is log N on its own)
    x = torch.ones(n, 3, dtype=torch.float64)
    loss = info_nce(x, x.clone(), negatives=x[:1].expand(m, 3), symmetric=symmetric)
    expected = (math.log(n + m) + math.log(n)) / 2 if symmetric else math.log(n + m)
    torch.testing.assert_close(loss, torch.tensor(expected, dtype=torch.float64))


@pytest.mark.parametrize("tau", [0.05, 0.5, 2.0])
def test_orthonormal_pairs_closed_form(tau: float):
    # anchor i = positive i = e_i: ℓ = log(1 + (N − 1) e^{−1/τ})
    n = 4
    e = torch.eye(n, dtype=torch.float64)
    expected = math.log1p((n - 1) * math.exp(-1 / tau))
    torch.testing.assert_close(
        info_nce(e, e.clone(), temperature=tau), torch.tensor(expected, dtype=torch.float64)
    )


def test_extra_negatives_closed_form():
    # anchor i = positive i = e_i; each extra negative −(1, …, 1) has cosine −1/√N with every
    # anchor: ℓ = −log e^{1/τ} / (e^{1/τ} + (N − 1) + M e^{−1/(√N τ)})
    n, m, tau = 3, 2, 0.5
    e = torch.eye(n, dtype=torch.float64)
    neg = -torch.ones(m, n, dtype=torch.float64)  # cosine −1/√N with every anchor
    denominator = math.exp(1 / tau) + (n - 1) + m * math.exp(-1 / math.sqrt(n) / tau)
    expected = -math.log(math.exp(1 / tau) / denominator)
    torch.testing.assert_close(
        info_nce(e, e.clone(), temperature=tau, negatives=neg),
        torch.tensor(expected, dtype=torch.float64),
    )


def test_symmetric_is_the_average_of_both_directions():
    a, p, neg = randn(6, 4), randn(6, 4), randn(3, 4)
    both = info_nce(a, p, symmetric=True)
    torch.testing.assert_close(both, (info_nce(a, p) + info_nce(p, a)) / 2, rtol=1e-13, atol=0)
    # extra negatives belong to the anchor → positive direction only
    both = info_nce(a, p, negatives=neg, symmetric=True)
    expected = (info_nce(a, p, negatives=neg) + info_nce(p, a)) / 2
    torch.testing.assert_close(both, expected, rtol=1e-13, atol=0)


def test_one_direction_is_not_symmetric():
    # control: the two directions differ, so the symmetric test above has teeth
    a, p = randn(6, 4), randn(6, 4)
    assert not torch.isclose(info_nce(a, p), info_nce(p, a))


def test_empty_negatives_equal_no_negatives():
    a, p = randn(5, 3), randn(5, 3)
    torch.testing.assert_close(info_nce(a, p, negatives=randn(0, 3)), info_nce(a, p))


def test_extra_negatives_raise_the_loss():
    a, p = randn(5, 3), randn(5, 3)
    assert info_nce(a, p, negatives=randn(4, 3)) > info_nce(a, p)


def test_permuting_the_pairs_and_the_negatives_leaves_the_loss_unchanged():
    a, p, neg = randn(7, 4), randn(7, 4), randn(5, 4)
    perm = torch.randperm(7)
    for symmetric in (False, True):
        torch.testing.assert_close(
            info_nce(a[perm], p[perm], negatives=neg[torch.randperm(5)], symmetric=symmetric),
            info_nce(a, p, negatives=neg, symmetric=symmetric),
            rtol=1e-13,
            atol=0,
        )


def test_breaking_the_pairing_changes_the_loss():
    a, p = randn(7, 4), randn(7, 4)
    assert not torch.isclose(info_nce(a, p.roll(1, 0)), info_nce(a, p))


def test_scaling_rows_by_positive_numbers_leaves_the_loss_unchanged():
    a, p, neg = randn(5, 4), randn(5, 4), randn(3, 4)
    scale = lambda rows: torch.rand(rows, 1, dtype=torch.float64) * 10 + 0.1  # noqa: E731
    torch.testing.assert_close(
        info_nce(a * scale(5), p * scale(5), negatives=neg * scale(3), symmetric=True),
        info_nce(a, p, negatives=neg, symmetric=True),
        rtol=1e-13,
        atol=0,
    )


@pytest.mark.parametrize("symmetric", [False, True])
def test_gradcheck(symmetric: bool):
    a, p, neg = (randn(*s).requires_grad_(True) for s in [(3, 4), (3, 4), (2, 4)])
    assert torch.autograd.gradcheck(
        lambda x, y, z: info_nce(x, y, temperature=0.3, negatives=z, symmetric=symmetric),
        (a, p, neg),
    )


@pytest.mark.parametrize(
    "negatives",
    [torch.randn(4, 5), torch.randn(4), torch.randn(2, 4, 3)],
    ids=["wrong-dim", "1-d", "3-d"],
)
def test_rejects_badly_shaped_negatives(negatives):
    with pytest.raises(ValueError, match="negatives must be"):
        info_nce(torch.randn(4, 3), torch.randn(4, 3), negatives=negatives)


def test_rejects_non_finite_negatives():
    negatives = torch.randn(3, 3)
    negatives[2, 1] = math.nan
    with pytest.raises(ValueError, match="negatives contains NaN"):
        info_nce(torch.randn(4, 3), torch.randn(4, 3), negatives=negatives)


def test_module_twin_passes_negatives_and_symmetry():
    a, p, neg = randn(4, 3), randn(4, 3), randn(2, 3)
    module = InfoNCELoss(temperature=0.2, symmetric=True)
    assert torch.equal(
        module(a, p, neg), info_nce(a, p, temperature=0.2, negatives=neg, symmetric=True)
    )
    assert torch.equal(InfoNCELoss()(a, p), info_nce(a, p))
