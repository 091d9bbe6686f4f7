"""The fused similarity cross-entropy kernel (losses/_softmax_ce.py) against F.cross_entropy."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses._softmax_ce import similarity_cross_entropy
from reference.compare import assert_same_value_and_grads


def plain_cross_entropy(q, k, targets, temperature, exclude=None):
    """The three-buffer form the kernel replaces: materialise logits, mask, F.cross_entropy."""
    logits = q @ k.t() / temperature
    if exclude is not None:
        mask = torch.zeros_like(logits, dtype=torch.bool)
        mask[torch.arange(q.shape[0]), exclude] = True
        logits = logits.masked_fill(mask, float("-inf"))
    return F.cross_entropy(logits, targets)


@st.composite
def problems(draw):
    m, k, d = draw(st.integers(1, 7)), draw(st.integers(2, 9)), draw(st.integers(1, 6))
    targets = torch.tensor(draw(st.lists(st.integers(0, k - 1), min_size=m, max_size=m)))
    # an excluded column is any column but the target
    exclude = torch.tensor(
        [draw(st.sampled_from([j for j in range(k) if j != t])) for t in targets]
    )
    seed = draw(st.integers(0, 2**31))
    tau = draw(st.floats(0.05, 5.0))
    return m, k, d, targets, exclude, seed, tau


@settings(max_examples=40)
@given(problem=problems(), use_exclude=st.booleans())
def test_matches_cross_entropy_in_value_and_gradient(problem, use_exclude):
    m, k, d, targets, exclude, seed, tau = problem
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(m, d, generator=gen, dtype=torch.float64)
    keys = torch.randn(k, d, generator=gen, dtype=torch.float64)
    exclude = exclude if use_exclude else None
    assert_same_value_and_grads(
        lambda a, b: similarity_cross_entropy(a, b, targets, tau, exclude=exclude),
        lambda a, b: plain_cross_entropy(a, b, targets, tau, exclude=exclude),
        q,
        keys,
    )


def test_shared_queries_and_keys_accumulate_both_gradients():
    # NT-Xent passes the same tensor as q and k: both halves of the gradient must arrive
    z = torch.randn(6, 4, dtype=torch.float64)
    targets, exclude = torch.tensor([3, 4, 5, 0, 1, 2]), torch.arange(6)
    assert_same_value_and_grads(
        lambda x: similarity_cross_entropy(x, x, targets, 0.3, exclude=exclude),
        lambda x: plain_cross_entropy(x, x, targets, 0.3, exclude=exclude),
        z,
    )


@pytest.mark.parametrize("use_exclude", [False, True])
def test_gradcheck(use_exclude: bool):
    q = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    k = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    targets = torch.tensor([0, 1, 2, 4])
    exclude = torch.tensor([1, 2, 3, 0]) if use_exclude else None
    assert torch.autograd.gradcheck(
        lambda a, b: similarity_cross_entropy(a, b, targets, 0.2, exclude=exclude), (q, k)
    )


def test_backward_can_be_replayed():
    # the saved probabilities must not be modified in place by the first backward
    q = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    k = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    loss = similarity_cross_entropy(q, k, torch.arange(5), 0.1)
    first = torch.autograd.grad(loss, (q, k), retain_graph=True)
    second = torch.autograd.grad(loss, (q, k))
    for a, b in zip(first, second, strict=True):
        assert torch.equal(a, b)


def test_upstream_gradient_scales_the_result():
    q = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    k = torch.randn(6, 3, dtype=torch.float64)
    (g1,) = torch.autograd.grad(similarity_cross_entropy(q, k, torch.arange(5), 0.5), q)
    (g3,) = torch.autograd.grad(3.0 * similarity_cross_entropy(q, k, torch.arange(5), 0.5), q)
    torch.testing.assert_close(g3, 3.0 * g1, rtol=1e-12, atol=1e-14)


def test_only_keys_require_grad():
    q = torch.randn(4, 3, dtype=torch.float64)
    k = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    similarity_cross_entropy(q, k, torch.arange(4), 0.5).backward()
    logits = (q @ k.detach().t() / 0.5).requires_grad_(True)
    F.cross_entropy(logits, torch.arange(4)).backward()
    torch.testing.assert_close(k.grad, logits.grad.t() @ q / 0.5, rtol=1e-12, atol=1e-14)


def test_closed_form_with_equal_logits():
    # all similarities equal: every row is uniform over the K − 1 columns left after exclusion
    q, k = torch.ones(3, 2, dtype=torch.float64), torch.ones(7, 2, dtype=torch.float64)
    loss = similarity_cross_entropy(q, k, torch.tensor([0, 1, 2]), 0.1, torch.tensor([6, 5, 4]))
    torch.testing.assert_close(loss, torch.tensor(6.0, dtype=torch.float64).log())


@pytest.mark.parametrize("tau", [1e-4, 1e-3, 1e-2])
def test_max_subtraction_keeps_tiny_temperatures_finite_in_float32(tau: float):
    q = torch.nn.functional.normalize(torch.randn(6, 8), dim=1).requires_grad_(True)
    k = torch.nn.functional.normalize(torch.randn(6, 8), dim=1)
    targets = torch.arange(6)
    loss = similarity_cross_entropy(q, k, targets, tau)
    (grad,) = torch.autograd.grad(loss, q)
    assert torch.isfinite(loss) and torch.isfinite(grad).all()
    exact = plain_cross_entropy(q.detach().double(), k.double(), targets, tau)
    torch.testing.assert_close(loss.double(), exact, rtol=1e-4, atol=1e-3)
