"""Barlow Twins (methods/barlow_twins.py): the loss against Zbontar 2021's loop."""

from __future__ import annotations

import pytest
import torch
from tiny_methods import assert_step_matches_reference, tiny_method, tiny_views

from contrastkit.methods import BarlowTwins
from reference.losses_zoo import barlow_twins_ref


@pytest.mark.parametrize("lambd", [5e-3, 0.5])
def test_loss_matches_the_paper_loop_in_value_and_gradient(lambd):
    method = tiny_method(BarlowTwins, lambda_offdiag=lambd)
    views = tiny_views()

    def reference():
        z1 = method.projection(method.backbone(views.first))
        z2 = method.projection(method.backbone(views.second))
        return barlow_twins_ref(z1, z2, lambd, 1e-5)

    assert_step_matches_reference(method, views, reference)


def test_defaults_follow_the_paper():
    method = BarlowTwins(tiny_method(BarlowTwins).backbone)
    linears = [m for m in method.projection if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [8192, 8192, 8192] and linears[-1].bias is None
    assert method.criterion.lambda_offdiag == 5e-3
