"""VICReg (methods/vicreg.py): the loss against Bardes 2022's loop."""

from __future__ import annotations

import torch
from tiny_methods import assert_step_matches_reference, tiny_method, tiny_views

from contrastkit.methods import VICReg
from reference.losses_zoo import vicreg_ref


def test_loss_matches_the_paper_loop_in_value_and_gradient():
    method = tiny_method(VICReg, sim_coeff=10.0, std_coeff=20.0, cov_coeff=2.0)
    views = tiny_views()

    def reference():
        z1 = method.projection(method.backbone(views.first))
        z2 = method.projection(method.backbone(views.second))
        return vicreg_ref(z1, z2, 10.0, 20.0, 2.0)

    assert_step_matches_reference(method, views, reference)


def test_defaults_follow_the_paper():
    method = VICReg(tiny_method(VICReg).backbone)
    linears = [m for m in method.projection if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [8192, 8192, 8192]
    c = method.criterion
    assert (c.sim_coeff, c.std_coeff, c.cov_coeff) == (25.0, 25.0, 1.0)
