"""DINO (losses/dino.py): centring, sharpening, centre update and the cross-crop loss."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import DINOLoss, dino_loss, dino_teacher_probs, update_center
from reference.compare import assert_same_value_and_grads
from reference.losses_zoo import dino_ref, dino_teacher_probs_ref, update_center_ref


def randn(*shape: int, gen: torch.Generator | None = None) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def entropy(p: torch.Tensor) -> torch.Tensor:
    return -(p * p.log()).sum(dim=1).mean()


# --- teacher targets and centre ----------------------------------------------------------------


@pytest.mark.parametrize("center_shape", [(4,), (1, 4)])
@pytest.mark.parametrize("tau", [0.04, 0.07, 1.0])
def test_teacher_probs_match_the_paper(center_shape, tau):
    t, c = randn(5, 4), randn(*center_shape)
    torch.testing.assert_close(
        dino_teacher_probs(t, c, tau), dino_teacher_probs_ref(t, c, tau), rtol=1e-12, atol=1e-14
    )


def test_teacher_probs_are_distributions_without_gradient():
    t = randn(5, 4).requires_grad_(True)
    p = dino_teacher_probs(t, torch.zeros(4), 0.04)
    assert not p.requires_grad
    torch.testing.assert_close(p.sum(dim=1), torch.ones(5, dtype=torch.float64))


def test_centring_removes_a_shift_shared_by_all_samples():
    t, shift = randn(5, 4), randn(4) * 5
    torch.testing.assert_close(
        dino_teacher_probs(t + shift, shift, 0.04), dino_teacher_probs(t, torch.zeros(4), 0.04)
    )


def test_a_lower_teacher_temperature_sharpens():
    t = randn(8, 6)
    sharp, soft = (dino_teacher_probs(t, torch.zeros(6), tau) for tau in (0.04, 1.0))
    assert entropy(sharp) < entropy(soft)


@pytest.mark.parametrize("m", [0.0, 0.9, 1.0])
def test_update_center_matches_eq_4(m):
    c, t = randn(1, 4), randn(6, 4)
    torch.testing.assert_close(
        update_center(c, t, m), update_center_ref(c, t, m), rtol=1e-12, atol=0
    )


def test_update_center_extremes():
    c, t = randn(1, 4), randn(6, 4)
    assert torch.equal(update_center(c, t, 1.0), c)
    torch.testing.assert_close(update_center(c, t, 0.0), t.mean(dim=0, keepdim=True))


# --- the loss ----------------------------------------------------------------------------------


@settings(max_examples=20)
@given(
    v=st.integers(2, 4),
    t=st.integers(1, 2),
    b=st.integers(2, 4),
    k=st.integers(1, 5),
    student_temp=st.floats(0.05, 2.0),
    teacher_temp=st.floats(0.02, 1.0),
    seed=st.integers(0, 2**31),
)
def test_matches_reference_in_value_and_gradient(v, t, b, k, student_temp, teacher_temp, seed):
    t = min(t, v)
    gen = torch.Generator().manual_seed(seed)
    student = [randn(b, k, gen=gen) for _ in range(v)]
    center = randn(1, k, gen=gen)
    targets = [dino_teacher_probs(randn(b, k, gen=gen), center, teacher_temp) for _ in range(t)]
    assert_same_value_and_grads(
        lambda *s: dino_loss(list(s), targets, student_temp=student_temp),
        lambda *s: dino_ref(list(s), targets, student_temp),
        *student,
    )


def test_pairs_of_a_crop_with_itself_are_left_out():
    s0, s1 = randn(4, 3), randn(4, 3)
    q0, q1 = (dino_teacher_probs(randn(4, 3), torch.zeros(3), 0.04) for _ in range(2))
    ce = lambda q, s: -(q * torch.log_softmax(s / 0.1, dim=1)).sum(dim=1).mean()  # noqa: E731
    torch.testing.assert_close(dino_loss([s0, s1], [q0, q1]), (ce(q0, s1) + ce(q1, s0)) / 2)


def test_small_crops_only_predict():
    # V = 3 crops, T = 2 targets: pairs (0,1), (0,2), (1,0), (1,2)
    s = [randn(4, 3) for _ in range(3)]
    q = [dino_teacher_probs(randn(4, 3), torch.zeros(3), 0.04) for _ in range(2)]
    ce = lambda q, s: -(q * torch.log_softmax(s / 0.1, dim=1)).sum(dim=1).mean()  # noqa: E731
    expected = (ce(q[0], s[1]) + ce(q[0], s[2]) + ce(q[1], s[0]) + ce(q[1], s[2])) / 4
    torch.testing.assert_close(dino_loss(s, q), expected)


@pytest.mark.parametrize("k", [1, 4, 64])
def test_uniform_student_costs_log_k(k):
    s = [torch.zeros(3, k, dtype=torch.float64) for _ in range(2)]
    q = [dino_teacher_probs(randn(3, k), torch.zeros(k), 0.04) for _ in range(2)]
    torch.testing.assert_close(dino_loss(s, q), torch.tensor(math.log(k), dtype=torch.float64))


def test_student_equal_to_a_one_hot_teacher_costs_almost_nothing():
    # teacher one-hot on prototype b; the student puts logit 1 there, −1 elsewhere: at τ_s = 0.01
    # the cross-entropy is log(1 + (K − 1)e^{−200}) ≈ 0
    logits = 2 * torch.eye(4, dtype=torch.float64) - 1
    q = dino_teacher_probs(logits * 100, torch.zeros(4), 0.04)
    loss = dino_loss([logits, logits], [q, q], student_temp=0.01)
    assert loss.item() < 1e-80


def test_gradcheck():
    s = [randn(4, 3).requires_grad_(True) for _ in range(3)]
    q = [dino_teacher_probs(randn(4, 3), torch.zeros(3), 0.1) for _ in range(2)]
    assert torch.autograd.gradcheck(lambda *x: dino_loss(list(x), q, student_temp=0.3), tuple(s))


# --- the module and its centre -------------------------------------------------------------------


def test_module_reads_its_centre_and_updates_it_only_when_asked():
    loss = DINOLoss(4, student_temp=0.2, teacher_temp=0.05, center_momentum=0.5)
    loss.center.copy_(torch.randn(1, 4))
    before = loss.center.clone()
    s, t = [randn(5, 4) for _ in range(3)], [randn(5, 4) for _ in range(2)]
    value = loss(s, t)
    assert torch.equal(loss.center, before)  # forward has no side effect
    targets = [dino_teacher_probs(x, before, 0.05) for x in t]
    assert torch.equal(value, dino_loss(s, targets, student_temp=0.2))
    loss.update_center(torch.cat(t))
    expected = update_center(before, torch.cat(t), 0.5)
    torch.testing.assert_close(loss.center, expected)


def test_centre_is_a_buffer_that_round_trips_through_state_dict():
    a, b = DINOLoss(6), DINOLoss(6)
    a.update_center(torch.randn(8, 6))
    assert list(a.parameters()) == [] and "center" in a.state_dict()
    b.load_state_dict(a.state_dict())
    assert torch.equal(a.center, b.center)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"out_dim": 0}, "out_dim"),
        ({"student_temp": 0.0}, "student_temp"),
        ({"teacher_temp": -0.1}, "teacher_temp"),
        ({"center_momentum": 1.5}, "center_momentum"),
    ],
)
def test_module_rejects_bad_hyper_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DINOLoss(**{"out_dim": 4, **kwargs})


def test_rejects_a_centre_of_the_wrong_width():
    with pytest.raises(ValueError, match="center"):
        dino_teacher_probs(randn(4, 3), torch.zeros(5), 0.04)
    with pytest.raises(ValueError, match="center"):
        DINOLoss(5)([randn(4, 3)] * 2, [randn(4, 3)] * 2)


@pytest.mark.parametrize(
    ("student", "teacher", "match"),
    [
        ([randn(4, 3)], [randn(4, 3)], "at least 2 crops"),
        ([randn(4, 3)] * 2, [randn(4, 3)] * 3, "targets for 3 crops"),
        ([randn(4, 3)] * 2, [randn(5, 3)], "shape"),
    ],
    ids=["one-crop", "too-many-targets", "rows"],
)
def test_dino_loss_rejects_bad_crops(student, teacher, match):
    with pytest.raises(ValueError, match=match):
        dino_loss(student, teacher)


@pytest.mark.parametrize("m", [-0.1, 1.1, math.nan])
def test_update_center_rejects_momentum_outside_unit_interval(m):
    with pytest.raises(ValueError, match="momentum"):
        update_center(torch.zeros(1, 3), randn(4, 3), m)
