"""Every loss upcasts low-precision input and ignores autocast (finiteness for any finite input
and any τ is a property test in reliability/test_loss_properties.py).

Covers losses/_precision.py: the similarity and softmax run in float32 (float64 if given),
even under ``torch.autocast``, and gradients come back in the input dtype.
"""

from __future__ import annotations

import math

import pytest
import torch

from contrastkit import losses as L
from reference.cases import CASES, LossCase
from reference.losses import debiased_ref, info_nce_ref, nt_xent_ref

LOW_PRECISION = [torch.float32, torch.float16, torch.bfloat16]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_float64_input_stays_float64(case: LossCase):
    assert case(*case.embeddings(4, 3, torch.float64)).dtype == torch.float64


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_half_precision_input_gives_the_float32_loss_of_the_same_numbers(case, dtype):
    embeddings = case.embeddings(6, 5, dtype)
    upcast = [x.float() for x in embeddings]
    torch.testing.assert_close(case(*embeddings), case(*upcast), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_autocast_bfloat16_still_computes_in_float32(case: LossCase):
    embeddings = case.embeddings(8, 16, torch.float32)
    plain = case(*embeddings)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        # control: under this autocast a bare matmul WOULD run in bfloat16
        assert torch.mm(embeddings[0], embeddings[0].t()).dtype == torch.bfloat16
        autocast = case(*embeddings)
    assert autocast.dtype == torch.float32
    # a bfloat16 similarity matrix would be off by ~1e-2 relative
    torch.testing.assert_close(autocast, plain, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_autocast_gradients_equal_plain_gradients(case: LossCase):
    embeddings = [x.requires_grad_(True) for x in case.embeddings(6, 8, torch.float32)]
    plain = torch.autograd.grad(case(*embeddings), embeddings)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        value = case(*embeddings)
    autocast = torch.autograd.grad(value, embeddings)
    for g, h in zip(autocast, plain, strict=True):
        assert g.dtype == torch.float32
        torch.testing.assert_close(g, h, rtol=1e-5, atol=1e-6)


# --- the claim: a naive exp() overflows where ours does not ----------------------------------


def naive_info_nce(anchors: torch.Tensor, positives: torch.Tensor, tau: float) -> torch.Tensor:
    """The textbook form, evaluated in the inputs' dtype: −log(e^{s_ii/τ} / Σ_j e^{s_ij/τ})."""
    a = anchors / anchors.norm(dim=1, keepdim=True)
    p = positives / positives.norm(dim=1, keepdim=True)
    scores = torch.exp(a @ p.t() / tau)
    return -torch.log(scores.diagonal() / scores.sum(dim=1)).mean()


def _aligned_views(dtype: torch.dtype, n: int = 8, d: int = 16):
    z1 = torch.randn(n, d, dtype=torch.float64)
    z2 = z1 + 0.05 * torch.randn(n, d, dtype=torch.float64)  # positives nearly aligned
    return z1.to(dtype), z2.to(dtype)


@pytest.mark.parametrize(
    ("dtype", "tau"), [(torch.float16, 0.07), (torch.float32, 0.01)], ids=["float16", "float32"]
)
def test_naive_exp_overflows_where_info_nce_and_nt_xent_stay_finite(dtype, tau):
    z1, z2 = _aligned_views(dtype)
    # e^{1/τ}: e^{14.3} > 65504 (float16 max), e^{100} > 3.4e38 (float32 max)
    assert not torch.isfinite(naive_info_nce(z1, z2, tau))
    assert not torch.isfinite(nt_xent_ref(z1, z2, tau))  # the paper's form, same overflow

    exact = [z.double() for z in (z1, z2)]  # the same numbers, in float64 where e^{1/τ} fits
    ours = L.info_nce(z1, z2, temperature=tau)
    assert torch.isfinite(ours)
    torch.testing.assert_close(ours.double(), info_nce_ref(*exact, tau), rtol=1e-5, atol=1e-5)
    ours = L.nt_xent(z1, z2, temperature=tau)
    assert torch.isfinite(ours)
    torch.testing.assert_close(ours.double(), nt_xent_ref(*exact, tau), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("dtype", "tau"), [(torch.float16, 0.07), (torch.float32, 0.01)], ids=["float16", "float32"]
)
def test_authors_debiased_code_overflows_where_ours_stays_finite(dtype, tau):
    z1, z2 = _aligned_views(dtype)
    assert not torch.isfinite(debiased_ref(z1, z2, tau, 0.1))  # chingyaoc/DCL in this dtype
    z1, z2 = (z.requires_grad_(True) for z in (z1, z2))
    ours = L.debiased_info_nce(z1, z2, temperature=tau, tau_plus=0.1)
    ours.backward()
    assert torch.isfinite(ours)
    assert torch.isfinite(z1.grad).all() and torch.isfinite(z2.grad).all()
    exact = debiased_ref(z1.detach().double(), z2.detach().double(), tau, 0.1)
    torch.testing.assert_close(ours.double(), exact, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("tau", [1e-3, 1e-2])
def test_tiny_temperature_in_float32_matches_float64(tau: float):
    z1, z2 = _aligned_views(torch.float32)
    for fn in (L.nt_xent, L.debiased_info_nce, L.hard_negative_info_nce, L.info_nce):
        ours, exact = fn(z1, z2, temperature=tau), fn(z1.double(), z2.double(), temperature=tau)
        assert math.isfinite(float(ours))
        torch.testing.assert_close(ours.double(), exact, rtol=1e-4, atol=1e-4)
    labels = torch.arange(16) % 8
    z = torch.cat([z1, z2])
    torch.testing.assert_close(
        L.supcon(z, labels, temperature=tau).double(),
        L.supcon(z.double(), labels, temperature=tau),
        rtol=1e-4,
        atol=1e-4,
    )
