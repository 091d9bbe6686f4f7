"""BYOL (methods/byol.py): the symmetrised loss against the paper loop; target network."""

from __future__ import annotations

import torch
from tiny_methods import assert_step_matches_reference, tiny_method, tiny_views

from contrastkit.methods import BYOL
from reference.methods_a import byol_ref


def test_loss_matches_the_paper_loop_in_value_and_gradient():
    method = tiny_method(BYOL)
    with torch.no_grad():  # the target differs from the online network after a few steps
        for p in [*method.target_backbone.parameters(), *method.target_projection.parameters()]:
            p.add_(0.1 * torch.randn_like(p))
    views = tiny_views()

    def reference():
        z1 = method.projection(method.backbone(views.first))
        z2 = method.projection(method.backbone(views.second))
        with torch.no_grad():
            t1 = method.target_projection(method.target_backbone(views.first))
            t2 = method.target_projection(method.target_backbone(views.second))
        return byol_ref(method.predictor(z1), method.predictor(z2), t1, t2)

    assert_step_matches_reference(method, views, reference)


def test_loss_is_zero_when_predictions_match_the_targets_and_four_when_opposite():
    method = tiny_method(BYOL)
    # replace the predictor by a function of the view that returns the target's output
    views = tiny_views()
    with torch.no_grad():
        t1 = method.target_projection(method.target_backbone(views.first))
        t2 = method.target_projection(method.target_backbone(views.second))
    for sign, expected in ((1.0, 0.0), (-1.0, 8.0)):
        targets = iter([sign * t2, sign * t1])
        method.predictor = _Replay(targets)
        loss = method.training_step(views).loss
        torch.testing.assert_close(loss, torch.tensor(expected, dtype=torch.float64))


class _Replay(torch.nn.Module):
    def __init__(self, outputs):
        super().__init__()
        self.outputs = outputs

    def forward(self, z):
        return next(self.outputs) + 0 * z


def test_predictor_defaults_to_the_projector_width_and_paper_momentum():
    method = tiny_method(BYOL)
    assert method.predictor[0].out_features == 12 and method.base_momentum == 0.996
    assert tiny_method(BYOL, predictor_hidden=5).predictor[0].out_features == 5
