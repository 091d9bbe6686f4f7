"""DINO (methods/dino.py): the loss against Caron 2021's loop, the EMA teacher, the centre."""

from __future__ import annotations

import pytest
import torch
from tiny_methods import (
    assert_frozen_for,
    assert_step_matches_reference,
    frozen,
    tiny_method,
    tiny_views,
)

from contrastkit.methods import DINO
from contrastkit.types import Views
from reference.losses_zoo import dino_ref, dino_teacher_probs_ref, update_center_ref


def with_crops(views: Views, n: int) -> Views:
    b = views.first.shape[0]
    crops = tuple(torch.randn(b, 1, 4, 4, dtype=torch.float64) for _ in range(n))
    return Views(views.first, views.second, crops=crops)


def perturbed(method: DINO) -> DINO:
    with torch.no_grad():  # the teacher differs from the student after a few steps
        for p in [*method.teacher_backbone.parameters(), *method.teacher_head.parameters()]:
            p.add_(0.1 * torch.randn_like(p))
        method.criterion.center.normal_()
    return method


def test_loss_matches_the_paper_loop_with_small_crops():
    method = perturbed(tiny_method(DINO, out_dim=7, student_temp=0.2, teacher_temp=0.05))
    views = with_crops(tiny_views(), 2)
    center = method.criterion.center.clone()

    def reference():
        large = torch.cat([views.first, views.second])
        with torch.no_grad():
            t = method.teacher_head(method.teacher_backbone(large))
        targets = [dino_teacher_probs_ref(x, center, 0.05) for x in t.chunk(2)]
        h = [method.backbone(large), method.backbone(torch.cat(views.crops))]
        s = list(method.head(torch.cat(h)).chunk(4))
        return dino_ref(s, targets, 0.2)

    assert_step_matches_reference(method, views, reference)


def test_step_updates_the_centre_with_the_teacher_outputs():
    method = perturbed(tiny_method(DINO, out_dim=7, center_momentum=0.8))
    views = tiny_views()
    before = method.criterion.center.clone()
    with torch.no_grad():
        t = method.teacher_head(method.teacher_backbone(torch.cat([views.first, views.second])))
    method.training_step(views)
    expected = update_center_ref(before, t, 0.8)
    torch.testing.assert_close(method.criterion.center, expected, rtol=1e-12, atol=1e-12)


def test_teacher_takes_no_gradient_and_follows_the_student_by_ema():
    method = perturbed(tiny_method(DINO, out_dim=7))
    method.training_step(with_crops(tiny_views(), 1)).loss.backward()
    teacher = frozen(method)
    assert teacher and all(p.grad is None for p in teacher)
    assert all(p.grad is not None for p in method.head.parameters())
    pairs = [
        *zip(method.teacher_backbone.parameters(), method.backbone.parameters(), strict=True),
        *zip(method.teacher_head.parameters(), method.head.parameters(), strict=True),
    ]
    expected = [(0.25 * t + 0.75 * s).clone() for t, s in pairs]
    method.update_target(0.25)
    for (t, _), e in zip(pairs, expected, strict=True):
        torch.testing.assert_close(t, e)


def test_defaults_follow_the_paper():
    method = DINO(tiny_method(DINO, out_dim=7).backbone)
    assert method.base_momentum == 0.996 and DINO.multi_crop
    c = method.criterion
    assert (c.student_temp, c.teacher_temp, c.center_momentum) == (0.1, 0.04, 0.9)
    assert method.head.last_weight.shape == (65536, 256) and c.center.shape == (1, 65536)


def test_rejects_a_base_momentum_outside_unit_interval():
    with pytest.raises(ValueError, match="base_momentum"):
        tiny_method(DINO, out_dim=7, base_momentum=1.5)


def test_teacher_temperature_warms_up_linearly_then_stays():
    method = tiny_method(
        DINO, out_dim=16, teacher_temp=0.07, warmup_teacher_temp=0.04, warmup_teacher_temp_steps=3
    )
    seen = []
    for _ in range(5):
        method.training_step(tiny_views())
        seen.append(method.criterion.teacher_temp)
        method.update_target(0.99)
    assert seen == pytest.approx([0.04, 0.05, 0.06, 0.07, 0.07])


def test_the_warm_up_resumes_from_a_checkpoint():
    options = {
        "out_dim": 16,
        "teacher_temp": 0.08,
        "warmup_teacher_temp": 0.04,
        "warmup_teacher_temp_steps": 4,
    }
    method = tiny_method(DINO, **options)
    for _ in range(2):
        method.update_target(0.99)
    resumed = tiny_method(DINO, **options)
    assert resumed.teacher_temperature() == pytest.approx(0.04)
    resumed.load_state_dict(method.state_dict())
    assert int(resumed.steps_done) == 2
    assert resumed.teacher_temperature() == pytest.approx(0.06)


def test_a_fixed_teacher_temperature_never_moves():
    method = tiny_method(DINO, out_dim=16, teacher_temp=0.05)
    for _ in range(3):
        method.update_target(0.99)
    assert method.teacher_temperature() == 0.05


def test_a_warm_up_without_steps_is_refused():
    with pytest.raises(ValueError, match="warm-up"):
        tiny_method(DINO, out_dim=16, warmup_teacher_temp=0.04)


def test_the_last_layer_is_frozen_for_its_steps_only():
    method = tiny_method(DINO, out_dim=7, freeze_last_layer_steps=2)
    assert_frozen_for(method, method.head.last_weight, steps=2)


def test_a_negative_freeze_is_refused():
    with pytest.raises(ValueError, match="freeze_last_layer_steps"):
        tiny_method(DINO, out_dim=7, freeze_last_layer_steps=-1)
