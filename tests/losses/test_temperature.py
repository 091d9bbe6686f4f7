"""LearnableTemperature (losses/temperature.py) and a tensor τ through NT-Xent and InfoNCE."""

from __future__ import annotations

import math

import pytest
import torch

from contrastkit.engine.optim import build_optimizer
from contrastkit.losses import (
    InfoNCELoss,
    LearnableTemperature,
    NTXentLoss,
    info_nce,
    nt_xent,
)


def pair(n: int = 6, d: int = 5, dtype: torch.dtype = torch.float64):
    return torch.randn(n, d, dtype=dtype), torch.randn(n, d, dtype=dtype)


def test_starts_at_init_and_stores_log_inverse_tau():
    tau = LearnableTemperature(0.07)
    assert tau().item() == pytest.approx(0.07)
    assert tau.log_inv_tau.item() == pytest.approx(math.log(1 / 0.07))
    assert tau.value == pytest.approx(0.07)


@pytest.mark.parametrize(("s", "expected"), [(10.0, 0.01), (-3.0, 1.0)])
def test_value_and_parameter_are_clamped_to_the_bounds(s: float, expected: float):
    tau = LearnableTemperature(0.1)
    with torch.no_grad():
        tau.log_inv_tau.fill_(s)  # an optimiser step far past a bound
    assert tau().item() == pytest.approx(expected)
    # the parameter itself is projected back (CLIP), so the gradient is alive again
    low, high = math.log(1 / 1.0), math.log(1 / 0.01)
    assert low - 1e-6 <= tau.log_inv_tau.item() <= high + 1e-6


def test_out_of_range_init_or_bounds_are_refused():
    with pytest.raises(ValueError, match="within"):
        LearnableTemperature(2.0)
    with pytest.raises(ValueError, match="min_temperature"):
        LearnableTemperature(0.1, min_temperature=0.5, max_temperature=0.2)


def test_loss_with_tensor_tau_equals_loss_with_float_tau():
    z1, z2 = pair()
    tau = torch.tensor(0.3, dtype=torch.float64)
    torch.testing.assert_close(nt_xent(z1, z2, temperature=tau), nt_xent(z1, z2, temperature=0.3))
    torch.testing.assert_close(
        info_nce(z1, z2, temperature=tau, symmetric=True),
        info_nce(z1, z2, temperature=0.3, symmetric=True),
    )


def test_gradcheck_float64_through_nt_xent_with_learnable_tau():
    z1, z2 = (t.requires_grad_() for t in pair())
    tau = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b, t: nt_xent(a, b, temperature=t), (z1, z2, tau))


def test_gradcheck_float64_through_info_nce_with_learnable_tau():
    a, p = (t.requires_grad_() for t in pair(4, 3))
    negatives = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
    tau = torch.tensor(0.2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda a, p, n, t: info_nce(a, p, temperature=t, negatives=n, symmetric=True),
        (a, p, negatives, tau),
    )


def test_module_parameter_gets_the_chain_rule_gradient():
    z1, z2 = pair()
    tau = LearnableTemperature(0.5).double()
    nt_xent(z1, z2, temperature=tau()).backward()
    assert tau.log_inv_tau.grad is not None and tau.log_inv_tau.grad.item() != 0.0
    # dL/dτ by central differences on the fixed-τ loss
    h = 1e-6
    numeric = (nt_xent(z1, z2, temperature=0.5 + h) - nt_xent(z1, z2, temperature=0.5 - h)) / (
        2 * h
    )
    assert tau.gradient() == pytest.approx(float(numeric), rel=1e-5)


def test_gradient_is_none_before_backward():
    assert LearnableTemperature(0.2).gradient() is None


@pytest.mark.parametrize("bad", [torch.tensor([0.1, 0.2]), torch.tensor(0.0), torch.tensor(-1.0)])
def test_bad_tensor_temperatures_are_refused(bad: torch.Tensor):
    z1, z2 = pair()
    with pytest.raises(ValueError, match="temperature"):
        nt_xent(z1, z2, temperature=bad)


@pytest.mark.parametrize("twin", [NTXentLoss, InfoNCELoss])
def test_twins_learn_tau_only_when_asked(twin):
    assert list(twin(0.2).parameters()) == []
    loss_fn = twin(0.2, learnable_temperature=True)
    (param,) = loss_fn.parameters()
    z1, z2 = pair(dtype=torch.float32)
    # at the start the learnable loss is the fixed loss
    torch.testing.assert_close(loss_fn(z1, z2), twin(0.2)(z1, z2))
    optimizer = torch.optim.SGD(loss_fn.parameters(), lr=0.1)
    before = param.item()
    loss_fn(z1, z2).backward()
    optimizer.step()
    assert param.item() != before
    assert 0.01 <= loss_fn.learned_temperature().item() <= 1.0


def test_the_temperature_parameter_is_never_weight_decayed():
    loss_fn = NTXentLoss(0.2, learnable_temperature=True)
    optimizer = build_optimizer(loss_fn, "adamw", lr=1e-3, weight_decay=0.1)
    (group,) = [g for g in optimizer.param_groups if g["params"]]
    assert group["weight_decay"] == 0.0


def test_two_uses_in_one_step_share_a_graph_and_out_of_range_is_still_projected():
    tau = LearnableTemperature(0.1)
    a, b = torch.randn(6, 4), torch.randn(6, 4)
    loss = info_nce(a, b, temperature=tau()) + info_nce(b, a, temperature=tau())
    loss.backward()  # a second call must not overwrite what the first one saved
    assert tau.log_inv_tau.grad is not None
    with torch.no_grad():
        tau.log_inv_tau.fill_(10.0)  # τ = e^-10, below the bound
    assert float(tau().detach()) == pytest.approx(0.01)
    assert float(tau.log_inv_tau.detach()) == pytest.approx(math.log(100.0))
