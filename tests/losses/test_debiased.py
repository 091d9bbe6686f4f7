"""Debiased (Chuang 2020) and hard-negative (Robinson 2021) InfoNCE (losses/debiased.py).

References are the authors' own code (chingyaoc/DCL, joshr17/HCL) transcribed; ours must
equal it exactly in float64, clamp included, while staying finite where theirs overflows.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contrastkit.losses import (
    DebiasedInfoNCELoss,
    HardNegativeInfoNCELoss,
    debiased_info_nce,
    hard_negative_info_nce,
    nt_xent,
)
from reference.compare import assert_same_value_and_grads
from reference.losses import _authors_pos_neg, debiased_ref, hard_negative_ref


def views(n: int, d: int, gen: torch.Generator | None = None):
    return (torch.randn(n, d, generator=gen, dtype=torch.float64) for _ in range(2))


@settings(max_examples=40)
@given(
    n=st.integers(2, 7),
    d=st.integers(2, 6),
    tau=st.floats(0.05, 5.0),
    tau_plus=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**31),
)
@example(n=2, d=2, tau=0.05, tau_plus=0.5, seed=1313940)  # saturated: loss ~1e-17, no gradient
def test_debiased_matches_the_authors_code(n, d, tau, tau_plus, seed):
    z1, z2 = views(n, d, torch.Generator().manual_seed(seed))
    assert_same_value_and_grads(
        lambda a, b: debiased_info_nce(a, b, temperature=tau, tau_plus=tau_plus),
        lambda a, b: debiased_ref(a, b, tau, tau_plus),
        z1,
        z2,
    )


@settings(max_examples=40)
@given(
    n=st.integers(2, 7),
    d=st.integers(2, 6),
    tau=st.floats(0.1, 5.0),
    tau_plus=st.floats(0.0, 0.95),
    beta=st.floats(0.0, 3.0),
    seed=st.integers(0, 2**31),
)
def test_hard_negative_matches_the_authors_code(n, d, tau, tau_plus, beta, seed):
    z1, z2 = views(n, d, torch.Generator().manual_seed(seed))
    assert_same_value_and_grads(
        lambda a, b: hard_negative_info_nce(a, b, temperature=tau, tau_plus=tau_plus, beta=beta),
        lambda a, b: hard_negative_ref(a, b, tau, tau_plus, beta),
        z1,
        z2,
    )


def _authors_ng_before_clamp(z1, z2, tau, tau_plus):
    pos, neg = _authors_pos_neg(z1, z2, tau)
    n_neg = 2 * z1.shape[0] - 2
    return (-tau_plus * n_neg * pos + neg.sum(dim=-1)) / (1 - tau_plus), n_neg * math.exp(-1 / tau)


@pytest.mark.parametrize("active", ["all", "some"])
def test_clamp_at_n_e_to_the_minus_one_over_tau(active: str):
    # a large τ⁺ with aligned views drives the estimate N_g below its floor
    z1 = torch.randn(6, 5, dtype=torch.float64)
    z2 = z1 + (0.05 if active == "all" else torch.linspace(0.01, 3, 6)[:, None]) * torch.randn(
        6, 5, dtype=torch.float64
    )
    tau, tau_plus = 0.5, 0.6
    ng, floor = _authors_ng_before_clamp(z1, z2, tau, tau_plus)
    clamped = ng < floor
    assert clamped.all() if active == "all" else (clamped.any() and not clamped.all())
    assert_same_value_and_grads(
        lambda a, b: debiased_info_nce(a, b, temperature=tau, tau_plus=tau_plus),
        lambda a, b: debiased_ref(a, b, tau, tau_plus),
        z1,
        z2,
    )
    if active == "all":  # then the loss is −log(pos / (pos + floor)): a closed form
        pos, _ = _authors_pos_neg(z1, z2, tau)
        expected = (-torch.log(pos / (pos + floor))).mean()
        ours = debiased_info_nce(z1, z2, temperature=tau, tau_plus=tau_plus)
        torch.testing.assert_close(ours, expected)


@settings(max_examples=25)
@given(n=st.integers(2, 7), tau=st.floats(0.05, 5.0), seed=st.integers(0, 2**31))
def test_debiased_with_tau_plus_zero_equals_nt_xent(n, tau, seed):
    # with τ⁺ = 0, N_g = Σ_neg e^{s/τ} ≥ N e^{−1/τ} since s ≥ −1: the clamp never binds
    z1, z2 = views(n, 4, torch.Generator().manual_seed(seed))
    assert_same_value_and_grads(
        lambda a, b: debiased_info_nce(a, b, temperature=tau, tau_plus=0.0),
        lambda a, b: nt_xent(a, b, temperature=tau),
        z1,
        z2,
    )


@settings(max_examples=25)
@given(
    n=st.integers(2, 7),
    tau=st.floats(0.05, 5.0),
    tau_plus=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**31),
)
def test_hard_negative_with_beta_zero_equals_debiased(n, tau, tau_plus, seed):
    z1, z2 = views(n, 4, torch.Generator().manual_seed(seed))
    assert_same_value_and_grads(
        lambda a, b: hard_negative_info_nce(a, b, temperature=tau, tau_plus=tau_plus, beta=0.0),
        lambda a, b: debiased_info_nce(a, b, temperature=tau, tau_plus=tau_plus),
        z1,
        z2,
    )


def test_beta_up_weights_hard_negatives():
    # importance weights are increasing in similarity, so R (and the loss) grow with β
    z1, z2 = views(6, 8)
    values = [float(hard_negative_info_nce(z1, z2, tau_plus=0.0, beta=b)) for b in (0, 1, 3)]
    assert values[0] < values[1] < values[2]


def test_tau_plus_lowers_the_loss_of_aligned_views_down_to_the_clamp():
    # dN_g/dτ⁺ = (R − N e^{s⁺/τ}) / (1 − τ⁺)² < 0 when the positive beats the mean negative
    z1, z2 = views(6, 8)
    z2 = z1 + 0.3 * z2
    values = [float(debiased_info_nce(z1, z2, tau_plus=t)) for t in (0.0, 0.05, 0.1, 0.98, 0.99)]
    assert values[0] > values[1] > values[2] > values[3]
    assert values[3] == values[4]  # every row clamped at N e^{−1/τ}: τ⁺ no longer matters


@pytest.mark.parametrize(
    "loss",
    [
        lambda a, b: debiased_info_nce(a, b, tau_plus=0.2),
        lambda a, b: hard_negative_info_nce(a, b, tau_plus=0.2, beta=1.5),
    ],
    ids=["debiased", "hard_negative"],
)
def test_invariances(loss):
    z1, z2 = views(7, 5)
    base = loss(z1, z2)
    perm = torch.randperm(7)
    torch.testing.assert_close(loss(z1[perm], z2[perm]), base, rtol=1e-13, atol=0)
    torch.testing.assert_close(loss(z2, z1), base, rtol=1e-13, atol=0)
    s1, s2 = torch.rand(7, 1).double() * 10 + 0.1, torch.rand(7, 1).double() + 0.5
    torch.testing.assert_close(loss(z1 * s1, z2 * s2), base, rtol=1e-13, atol=0)
    assert not torch.isclose(loss(z1, z2.roll(1, 0)), base)  # control: pairing matters


@pytest.mark.parametrize("tau_plus", [0.1, 0.9])  # 0.9: clamp active on some rows
def test_gradcheck(tau_plus: float):
    z1, z2 = (z.requires_grad_(True) for z in views(3, 4))
    assert torch.autograd.gradcheck(
        lambda a, b: debiased_info_nce(a, b, temperature=0.4, tau_plus=tau_plus), (z1, z2)
    )
    assert torch.autograd.gradcheck(
        lambda a, b: hard_negative_info_nce(a, b, temperature=0.4, tau_plus=tau_plus, beta=1.0),
        (z1, z2),
    )


@pytest.mark.parametrize("tau", [0.01, 0.005])
def test_small_temperature_exact_in_float64_finite_where_authors_float32_overflows(tau: float):
    # e^{1/τ} > 1.8e308 needs τ < 1/709.8; at τ = 0.01 the authors' float64 code still fits,
    # so it checks our shifted formula where its largest terms are e^{200} apart
    z1, z2 = views(5, 6)
    z2 = z1 + 0.1 * z2
    for beta in (0.0, 1.0):
        assert_same_value_and_grads(
            lambda a, b, beta=beta: hard_negative_info_nce(a, b, temperature=tau, beta=beta),
            lambda a, b, beta=beta: hard_negative_ref(a, b, tau, 0.1, beta),
            z1,
            z2,
            rtol=1e-9,
            atol=1e-9,
        )
    z1 = z1.float()
    assert not torch.isfinite(hard_negative_ref(z1, z1 + 1e-3, tau, 0.1, 1.0))
    assert torch.isfinite(hard_negative_info_nce(z1, z1 + 1e-3, temperature=tau))


def test_module_twins_use_their_hyper_parameters():
    z1, z2 = views(4, 3)
    assert torch.equal(
        DebiasedInfoNCELoss(temperature=0.3, tau_plus=0.2)(z1, z2),
        debiased_info_nce(z1, z2, temperature=0.3, tau_plus=0.2),
    )
    assert torch.equal(
        HardNegativeInfoNCELoss(temperature=0.3, tau_plus=0.2, beta=2.0)(z1, z2),
        hard_negative_info_nce(z1, z2, temperature=0.3, tau_plus=0.2, beta=2.0),
    )
