"""learnable_temperature reaches the InfoNCE methods: τ is a parameter with a gradient."""

from __future__ import annotations

import pytest
import torch
from tiny_methods import tiny_method, tiny_views

from contrastkit.losses.temperature import LearnableTemperature
from contrastkit.methods import NNCLR, MoCoV2, MoCoV3, SimCLR

CASES = {
    "simclr": (SimCLR, {}),
    "moco_v2": (MoCoV2, {"queue_size": 12}),
    "moco_v3": (MoCoV3, {}),
    "nnclr": (NNCLR, {"support_size": 12, "predictor_hidden": 12}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_learned_tau_starts_at_the_setting_and_gets_a_gradient(name):
    cls, options = CASES[name]
    method = tiny_method(cls, temperature=0.2, learnable_temperature=True, **options)
    learned = [m for m in method.modules() if isinstance(m, LearnableTemperature)]
    assert len(learned) == 1
    assert learned[0].value == pytest.approx(0.2)
    method.training_step(tiny_views()).loss.backward()
    grads = [p.grad for p in learned[0].parameters()]
    assert grads and all(
        g is not None and torch.isfinite(g).all() and g.abs().sum() > 0 for g in grads
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixed_tau_has_no_parameter(name):
    cls, options = CASES[name]
    method = tiny_method(cls, temperature=0.2, **options)
    assert not any(isinstance(m, LearnableTemperature) for m in method.modules())
