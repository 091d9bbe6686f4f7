"""SwAV (losses/swav.py): Sinkhorn codes and the swapped prediction against Caron 2020."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import SwAVLoss, sinkhorn, swav_loss
from reference.compare import assert_same_value_and_grads
from reference.losses_zoo import sinkhorn_ref, swav_ref


def randn(*shape: int, gen: torch.Generator | None = None) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


# --- sinkhorn ---------------------------------------------------------------------------------


@settings(max_examples=30)
@given(
    b=st.integers(2, 7),
    k=st.integers(1, 6),
    n_iters=st.integers(1, 5),
    eps=st.floats(0.05, 2.0),
    seed=st.integers(0, 2**31),
)
def test_sinkhorn_matches_algorithm_1(b, k, n_iters, eps, seed):
    scores = randn(b, k, gen=torch.Generator().manual_seed(seed))
    torch.testing.assert_close(
        sinkhorn(scores, n_iters, eps), sinkhorn_ref(scores, n_iters, eps), rtol=1e-10, atol=1e-12
    )


def test_codes_meet_the_transportation_polytope_of_eq_3():
    # Q = codesᵀ / B: every sample's column sums to 1/B exactly (the last step normalises
    # samples), and every prototype's row to 1/K once Sinkhorn has converged
    b, k = 12, 4
    codes = sinkhorn(randn(b, k), n_iters=300, eps=0.5)
    q = codes.t() / b  # (K, B)
    torch.testing.assert_close(q.sum(dim=0), torch.full((b,), 1 / b, dtype=torch.float64))
    torch.testing.assert_close(q.sum(dim=1), torch.full((k,), 1 / k, dtype=torch.float64))
    assert (codes >= 0).all()


def test_more_iterations_come_closer_to_the_equal_split():
    # cosine-sized scores at the paper's ε: every prototype's total tends to B/K = 8
    scores = torch.nn.functional.normalize(randn(64, 8), dim=1)
    errors = [(sinkhorn(scores, n).sum(dim=0) - 8).abs().max() for n in (1, 3, 30, 3000)]
    assert errors[0] > errors[1] > errors[2] > errors[3]
    assert errors[3] < 1e-6


def test_codes_carry_no_gradient():
    scores = randn(5, 3).requires_grad_(True)
    codes = sinkhorn(scores)
    assert not codes.requires_grad


def test_a_constant_added_to_one_prototype_changes_no_code():
    # each iteration starts by normalising every prototype's total: a per-prototype factor
    # e^{a_k/ε} cancels exactly, whatever the number of iterations
    scores = randn(6, 4)
    shift = torch.tensor([0.0, 3.0, -1.0, 0.5], dtype=torch.float64)
    torch.testing.assert_close(sinkhorn(scores + shift), sinkhorn(scores), rtol=1e-12, atol=1e-14)


def test_permuting_samples_permutes_their_codes():
    scores, perm = randn(7, 3), torch.randperm(7)
    torch.testing.assert_close(sinkhorn(scores[perm]), sinkhorn(scores)[perm], rtol=1e-12, atol=0)


def test_log_domain_stays_finite_where_exp_of_scores_over_eps_overflows():
    # scores/ε = 2e4: exp overflows even float64; only the ratio scores/ε matters
    scores = randn(6, 4) * 1e3
    assert not torch.isfinite(torch.exp(scores / 0.05)).all()
    codes = sinkhorn(scores.float(), eps=0.05)
    assert torch.isfinite(codes).all()
    torch.testing.assert_close(
        codes.double(), sinkhorn(scores / 1e3, eps=0.05e-3), atol=1e-5, rtol=0
    )


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_scores_give_float32_codes(dtype):
    scores = randn(6, 4).to(dtype)
    codes = sinkhorn(scores)
    assert codes.dtype == torch.float32
    torch.testing.assert_close(codes, sinkhorn(scores.float()))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n_iters": 0}, "n_iters"), ({"n_iters": 1.5}, "n_iters"), ({"eps": 0.0}, "eps")],
)
def test_sinkhorn_rejects_bad_hyper_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sinkhorn(randn(4, 3), **kwargs)


# --- swapped prediction ------------------------------------------------------------------------


@settings(max_examples=20)
@given(
    v=st.integers(2, 4),
    t=st.integers(1, 2),
    b=st.integers(2, 5),
    k=st.integers(1, 5),
    tau=st.floats(0.05, 2.0),
    seed=st.integers(0, 2**31),
)
def test_matches_reference_in_value_and_gradient(v, t, b, k, tau, seed):
    t = min(t, v)
    gen = torch.Generator().manual_seed(seed)
    scores = [randn(b, k, gen=gen) for _ in range(v)]
    codes = [sinkhorn(s, 3, 0.3) for s in scores[:t]]
    assert_same_value_and_grads(
        lambda *s: swav_loss(list(s), codes, temperature=tau),
        lambda *s: swav_ref(list(s), codes, tau),
        *scores,
    )


@pytest.mark.parametrize("k", [1, 3, 10])
def test_equal_scores_give_log_k(k: int):
    # a uniform prediction over K prototypes costs log K against any code that sums to 1
    scores = [torch.zeros(5, k, dtype=torch.float64) for _ in range(3)]
    codes = [sinkhorn(randn(5, k)) for _ in range(2)]
    torch.testing.assert_close(
        swav_loss(scores, codes), torch.tensor(math.log(k), dtype=torch.float64)
    )


def test_a_crop_never_predicts_its_own_code():
    # two crops: crop 1 predicts code 0 and crop 0 predicts code 1, nothing else
    s0, s1 = randn(4, 3), randn(4, 3)
    q0, q1 = sinkhorn(s0), sinkhorn(s1)
    ce = lambda q, s: -(q * torch.log_softmax(s / 0.1, dim=1)).sum(dim=1).mean()  # noqa: E731
    expected = (ce(q0, s1) + ce(q1, s0)) / 2
    torch.testing.assert_close(swav_loss([s0, s1], [q0, q1]), expected)


def test_no_gradient_reaches_the_codes():
    scores = [randn(4, 3).requires_grad_(True) for _ in range(2)]
    codes = [randn(4, 3).softmax(dim=1).requires_grad_(True) for _ in range(2)]
    swav_loss(scores, codes).backward()
    assert all(q.grad is None for q in codes)
    assert all(s.grad is not None and s.grad.abs().max() > 0 for s in scores)


def test_gradcheck():
    scores = [randn(4, 3).requires_grad_(True) for _ in range(3)]
    codes = [sinkhorn(s.detach()) for s in scores[:2]]
    assert torch.autograd.gradcheck(
        lambda *s: swav_loss(list(s), codes, temperature=0.3), tuple(scores)
    )


def test_module_computes_codes_for_the_first_assign_crops():
    scores = [randn(6, 5) for _ in range(4)]
    codes = [sinkhorn(s, 3, 0.05) for s in scores[:2]]
    expected = swav_loss(scores, codes, temperature=0.1)
    assert torch.equal(SwAVLoss()(*scores), expected)
    one_code = swav_loss(scores, codes[:1], temperature=0.1)
    assert torch.equal(SwAVLoss(assign_crops=1)(*scores), one_code)


def test_gathering_on_one_process_is_the_plain_loss():
    scores = [randn(6, 5) for _ in range(2)]
    assert torch.equal(
        SwAVLoss(gather_distributed=True)(*scores), SwAVLoss(gather_distributed=False)(*scores)
    )


@pytest.mark.parametrize(
    ("scores", "codes", "match"),
    [
        ([randn(4, 3)], [randn(4, 3)], "at least 2 crops"),
        ([randn(4, 3)] * 2, [], "at least 1 crops"),
        ([randn(4, 3)] * 2, [randn(4, 3)] * 3, "codes for 3 crops"),
        (randn(4, 3), [randn(4, 3)], "list"),
        ([randn(4, 3), randn(4, 4)], [randn(4, 3)], "shape"),
        ([randn(4, 3)] * 2, [randn(5, 3)], "shape"),
    ],
    ids=["one-crop", "no-codes", "too-many-codes", "tensor-not-list", "widths", "code-rows"],
)
def test_swav_loss_rejects_bad_crops(scores, codes, match):
    with pytest.raises(ValueError, match=match):
        swav_loss(scores, codes)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"temperature": 0.0}, "temperature"),
        ({"epsilon": -1.0}, "epsilon"),
        ({"sinkhorn_iterations": 0}, "sinkhorn_iterations"),
        ({"assign_crops": 0}, "assign_crops"),
    ],
)
def test_module_rejects_bad_hyper_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SwAVLoss(**kwargs)


def test_module_needs_as_many_crops_as_it_assigns():
    with pytest.raises(ValueError, match="assign_crops"):
        SwAVLoss(assign_crops=3)(randn(4, 3), randn(4, 3))
