"""Negative cosine similarity (losses/negative_cosine.py), the SimSiam / BYOL loss."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import NegativeCosineLoss, negative_cosine
from reference.compare import assert_same_value_and_grads, value_and_grads
from reference.losses import negative_cosine_ref


def randn(*shape: int, gen: torch.Generator | None = None) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


ONE = torch.tensor(1.0, dtype=torch.float64)


@settings(max_examples=30)
@given(n=st.integers(2, 8), d=st.integers(2, 6), seed=st.integers(0, 2**31))
def test_matches_reference_in_value_and_gradient(n, d, seed):
    gen = torch.Generator().manual_seed(seed)
    assert_same_value_and_grads(
        negative_cosine, negative_cosine_ref, randn(n, d, gen=gen), randn(n, d, gen=gen)
    )


def test_closed_forms():
    x = randn(6, 5)
    torch.testing.assert_close(negative_cosine(x, x.clone()), -ONE)
    torch.testing.assert_close(negative_cosine(x, -x), ONE)
    torch.testing.assert_close(negative_cosine(x, 3.0 * x), -ONE)
    e = torch.eye(4, dtype=torch.float64)
    torch.testing.assert_close(negative_cosine(e[:2], e[2:]), 0 * ONE)  # orthogonal
    # half aligned, half antipodal: mean of −1 and +1
    torch.testing.assert_close(negative_cosine(x, torch.cat([x[:3], -x[3:]])), 0 * ONE)


def test_byol_loss_relation():
    # BYOL's ‖p̂ − ẑ‖² = 2 − 2 cos, averaged: 2 + 2 · negative_cosine
    p, z = randn(5, 4), randn(5, 4)
    unit = lambda x: x / x.norm(dim=1, keepdim=True)  # noqa: E731
    byol = (unit(p) - unit(z)).pow(2).sum(dim=1).mean()
    torch.testing.assert_close(2 + 2 * negative_cosine(p, z), byol)


def test_invariances():
    p, z = randn(7, 4), randn(7, 4)
    base = negative_cosine(p, z)
    perm = torch.randperm(7)
    torch.testing.assert_close(negative_cosine(p[perm], z[perm]), base, rtol=1e-13, atol=0)
    torch.testing.assert_close(negative_cosine(z, p), base, rtol=1e-13, atol=0)
    s1, s2 = torch.rand(7, 1).double() * 10 + 0.1, torch.rand(7, 1).double() + 0.5
    torch.testing.assert_close(negative_cosine(p * s1, z * s2), base, rtol=1e-13, atol=0)
    rotation, _ = torch.linalg.qr(randn(4, 4))
    torch.testing.assert_close(negative_cosine(p @ rotation, z @ rotation), base)
    assert not torch.isclose(negative_cosine(p, z.roll(1, 0)), base)  # control: pairing matters


def test_stop_gradient_is_the_callers_choice():
    p, z = randn(4, 3).requires_grad_(True), randn(4, 3).requires_grad_(True)
    negative_cosine(p, z.detach()).backward()
    assert p.grad is not None and z.grad is None
    # and the gradient is orthogonal to p (the loss sees only directions)
    torch.testing.assert_close((p.grad * p).sum(dim=1), torch.zeros(4, dtype=torch.float64))


def test_gradient_pulls_p_towards_z():
    p, z = randn(6, 5), randn(6, 5)
    _, (grad, _) = value_and_grads(negative_cosine, p, z)
    stepped = p - 0.01 * grad
    assert negative_cosine(stepped, z) < negative_cosine(p, z)


def test_gradcheck():
    p, z = randn(3, 4).requires_grad_(True), randn(3, 4).requires_grad_(True)
    assert torch.autograd.gradcheck(negative_cosine, (p, z))


def test_module_twin():
    p, z = randn(4, 3), randn(4, 3)
    assert torch.equal(NegativeCosineLoss()(p, z), negative_cosine(p, z))
