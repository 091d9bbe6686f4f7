"""MoCo v3 (methods/moco_v3.py): the loss against Algorithm 1 written as a loop."""

from __future__ import annotations

import pytest
import torch
from tiny_methods import assert_step_matches_reference, tiny_method, tiny_views

from contrastkit.methods import MoCoV3
from reference.methods_a import moco_v3_ref


def perturb_target(method: torch.nn.Module) -> None:
    with torch.no_grad():
        for p in [*method.target_backbone.parameters(), *method.target_projection.parameters()]:
            p.add_(0.1 * torch.randn_like(p))


@pytest.mark.parametrize("tau", [0.2, 1.0])
def test_loss_matches_the_paper_loop_in_value_and_gradient(tau):
    method = tiny_method(MoCoV3, temperature=tau)
    perturb_target(method)
    views = tiny_views()

    def reference():
        z1 = method.projection(method.backbone(views.first))
        z2 = method.projection(method.backbone(views.second))
        with torch.no_grad():
            k1 = method.target_projection(method.target_backbone(views.first))
            k2 = method.target_projection(method.target_backbone(views.second))
        return moco_v3_ref(method.predictor(z1), method.predictor(z2), k1, k2, tau)

    assert_step_matches_reference(method, views, reference)


def test_heads_follow_the_authors_resnet_code():
    method = tiny_method(MoCoV3)
    assert isinstance(method.projection[-1], torch.nn.BatchNorm1d)  # projector ends in BN
    assert isinstance(method.predictor[-1], torch.nn.Linear)  # predictor does not
    assert method.predictor[-1].bias is None
    assert method.base_momentum == 0.99
