"""MoCo v2 (methods/moco_v2.py): the loss against the paper loop, the queue, the key encoder."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from tiny_methods import assert_step_matches_reference, tiny_method, tiny_views

from contrastkit.methods import MoCoV2
from reference.methods_a import moco_v2_ref


def perturb_target(method: torch.nn.Module) -> None:
    """Make the key encoder differ from the query encoder, as it does after a few steps."""
    with torch.no_grad():
        for p in [*method.target_backbone.parameters(), *method.target_projection.parameters()]:
            p.add_(0.1 * torch.randn_like(p))


def keys_of(method: MoCoV2, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return method.target_projection(method.target_backbone(x))


@pytest.mark.parametrize("queued", [0, 5, 12])  # empty, partly filled, wrapped
def test_loss_matches_the_paper_loop_in_value_and_gradient(queued):
    method = tiny_method(MoCoV2, temperature=0.2, queue_size=9)
    perturb_target(method)
    if queued:
        method.queue.push(torch.randn(queued, 6, dtype=torch.float64))
    views, queue = tiny_views(), method.queue.negatives()

    def reference():
        q = method.projection(method.backbone(views.first))
        return moco_v2_ref(q, keys_of(method, views.second), queue, 0.2)

    assert_step_matches_reference(method, views, reference)


def test_a_step_enqueues_the_normalised_keys_of_the_second_view():
    method = tiny_method(MoCoV2, queue_size=16)
    perturb_target(method)
    method.queue.push(torch.randn(3, 6, dtype=torch.float64))
    views = tiny_views(batch=6)
    out = method.training_step(views)
    assert int(method.queue.pointer) == 9 and int(method.queue.filled) == 9
    expected = F.normalize(keys_of(method, views.second), dim=1)
    torch.testing.assert_close(method.queue.negatives()[3:], expected)
    torch.testing.assert_close(out.z2, keys_of(method, views.second))
    assert not out.z1.requires_grad and not out.z2.requires_grad


def test_keys_take_no_gradient():
    method = tiny_method(MoCoV2)
    method.training_step(tiny_views()).loss.backward()
    assert all(p.grad is None for p in method.target_backbone.parameters())
    assert all(p.grad is None for p in method.target_projection.parameters())
    assert all(p.grad is not None for p in method.projection.parameters())


def test_paper_defaults():
    method = MoCoV2(tiny_method(MoCoV2).backbone)
    assert method.base_momentum == 0.999 and method.criterion.temperature == 0.2
    assert method.queue.size == 65536 and method.queue.dim == 128
