"""SwAV (methods/swav.py): the loss against Caron 2020's loop; prototypes; multi-crop."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from tiny_methods import assert_frozen_for, assert_step_matches_reference, tiny_method, tiny_views

from contrastkit.methods import SwAV
from contrastkit.types import Views
from reference.losses_zoo import sinkhorn_ref, swav_ref


def with_crops(views: Views, n: int) -> Views:
    b = views.first.shape[0]
    crops = tuple(torch.randn(b, 1, 4, 4, dtype=torch.float64) for _ in range(n))
    return Views(views.first, views.second, crops=crops)


def test_loss_matches_the_paper_loop_with_small_crops():
    method = tiny_method(SwAV, n_prototypes=5, temperature=0.2, epsilon=0.3)
    views = with_crops(tiny_views(), 2)

    def reference():
        h = [
            method.backbone(torch.cat([views.first, views.second])),
            method.backbone(torch.cat(views.crops)),
        ]  # the method's grouping by resolution, so batch norm sees the same batches
        z = F.normalize(method.projection(torch.cat(h)), dim=1)
        scores = list((z @ method.prototypes.weight.t()).chunk(4))
        codes = [sinkhorn_ref(s.detach(), 3, 0.3) for s in scores[:2]]
        return swav_ref(scores, codes, 0.2)

    assert_step_matches_reference(method, views, reference)


def test_each_step_puts_the_prototypes_back_on_the_unit_sphere():
    method = tiny_method(SwAV, n_prototypes=5)
    with torch.no_grad():
        method.prototypes.weight.mul_(3.0)  # as after an optimiser step
    method.training_step(tiny_views())
    norms = method.prototypes.weight.norm(dim=1)
    torch.testing.assert_close(norms, torch.ones(5, dtype=torch.float64))


def test_outputs_are_the_unit_projections_of_the_two_large_views():
    method = tiny_method(SwAV, n_prototypes=5)
    views = with_crops(tiny_views(batch=4), 3)
    out = method.training_step(views)
    assert out.z1.shape == out.z2.shape == (4, 6) and not out.z1.requires_grad
    torch.testing.assert_close(out.z1.norm(dim=1), torch.ones(4, dtype=torch.float64))
    assert torch.isfinite(out.loss) and out.loss.requires_grad


def test_defaults_follow_the_paper():
    method = SwAV(tiny_method(SwAV, n_prototypes=5).backbone)
    assert method.prototypes.weight.shape == (3000, 128)
    assert method.criterion.temperature == 0.1 and method.criterion.epsilon == 0.05
    assert method.criterion.sinkhorn_iterations == 3 and SwAV.multi_crop


def test_the_prototypes_are_frozen_for_their_steps_only():
    method = tiny_method(SwAV, n_prototypes=5, freeze_prototypes_steps=2)
    assert_frozen_for(method, method.prototypes.weight, steps=2)


def test_a_negative_freeze_is_refused():
    with pytest.raises(ValueError, match="freeze_prototypes_steps"):
        tiny_method(SwAV, n_prototypes=5, freeze_prototypes_steps=-1)


def test_a_full_queue_joins_sinkhorn_and_the_batch_keeps_its_own_codes():
    method = tiny_method(SwAV, n_prototypes=5, temperature=0.2, epsilon=0.3, queue_length=4)
    for _ in range(2):  # two pushes of 6 rows: both queues full (4 newest rows each)
        method.training_step(tiny_views())
    assert method._queued_scores() is not None
    views = tiny_views()
    queued = [q.negatives() for q in method.queues]  # before this step pushes

    def reference():
        h = method.backbone(torch.cat([views.first, views.second]))
        z = F.normalize(method.projection(h), dim=1)
        c = method.prototypes.weight
        scores = list((z @ c.t()).chunk(2))
        codes = [
            sinkhorn_ref(torch.cat([q @ c.t(), s]).detach(), 3, 0.3)[-len(s) :]
            for q, s in zip(queued, scores, strict=True)
        ]
        return swav_ref(scores, codes, 0.2)

    assert_step_matches_reference(method, views, reference)


def test_the_queue_fills_from_its_start_step_and_waits_until_full():
    method = tiny_method(SwAV, n_prototypes=5, queue_length=8, queue_start_step=1)
    method.training_step(tiny_views())
    assert int(method.queues[0].filled) == 0  # step 0 is before the start
    method.before_optimizer_step(0)
    method.training_step(tiny_views())
    assert int(method.queues[0].filled) == 6 and method._queued_scores() is None
    method.before_optimizer_step(1)
    method.training_step(tiny_views())
    assert int(method.queues[1].filled) == 8 and method._queued_scores() is not None
    kept = method.state_dict()
    assert {"steps_done", "queues.0.features", "queues.1.features"} <= set(kept)


def test_without_a_queue_nothing_is_kept_and_bad_sizes_are_refused():
    method = tiny_method(SwAV, n_prototypes=5)
    assert method.queues is None and "steps_done" not in method.state_dict()
    with pytest.raises(ValueError, match="queue_length"):
        tiny_method(SwAV, n_prototypes=5, queue_length=-1)
