"""NNCLR (methods/nnclr.py): the loss against the paper loop; the support set."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from tiny_methods import assert_step_matches_reference, tiny_method, tiny_views

from contrastkit.losses import info_nce
from contrastkit.methods import NNCLR
from reference.methods_a import nnclr_ref


@pytest.mark.parametrize("pushed", [4, 11])  # partly filled, wrapped
def test_loss_matches_the_paper_loop_in_value_and_gradient(pushed):
    method = tiny_method(NNCLR, predictor_hidden=9, temperature=0.2, support_size=7)
    method.support.push(torch.randn(pushed, 6, dtype=torch.float64))
    views, support = tiny_views(), method.support.negatives()

    def reference():
        z1 = method.projection(method.backbone(views.first))
        z2 = method.projection(method.backbone(views.second))
        p1, p2 = method.predictor(z1), method.predictor(z2)
        return nnclr_ref(z1, z2, p1, p2, support, 0.2)

    assert_step_matches_reference(method, views, reference)


def test_before_the_first_push_each_projection_stands_in_for_its_neighbour():
    method = tiny_method(NNCLR, temperature=0.2)
    views = tiny_views()
    loss = method.training_step(views).loss
    z1 = method.projection(method.backbone(views.first))
    z2 = method.projection(method.backbone(views.second))
    p1, p2 = method.predictor(z1), method.predictor(z2)
    expected = 0.5 * (
        info_nce(z1.detach(), p2, temperature=0.2) + info_nce(z2.detach(), p1, temperature=0.2)
    )
    torch.testing.assert_close(loss, expected)


def test_a_step_pushes_the_normalised_first_view_projections():
    method = tiny_method(NNCLR, support_size=20)
    views = tiny_views(batch=6)
    out = method.training_step(views)
    method.training_step(views)
    assert int(method.support.pointer) == 12 and int(method.support.filled) == 12
    torch.testing.assert_close(method.support.negatives()[:6], F.normalize(out.z1, dim=1))


def test_paper_defaults():
    method = NNCLR(tiny_method(NNCLR).backbone)
    assert method.criterion.temperature == 0.1 and method.support.size == 98304
