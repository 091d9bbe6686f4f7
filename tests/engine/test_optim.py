import pytest
import torch
from torch import nn

from contrastkit.engine.lars import LARS
from contrastkit.engine.optim import build_optimizer, set_lr


def _model():
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))


@pytest.mark.parametrize("name", ["sgd", "adamw", "lars"])
def test_biases_and_norm_parameters_get_no_weight_decay(name):
    opt = build_optimizer(_model(), name, lr=0.1, weight_decay=0.5)
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.5 and all(p.ndim == 2 for p in decay["params"])
    assert no_decay["weight_decay"] == 0.0 and all(p.ndim == 1 for p in no_decay["params"])
    assert len(decay["params"]) == 2 and len(no_decay["params"]) == 4


def test_unknown_optimizer_is_rejected():
    with pytest.raises(ValueError, match="unknown optimizer"):
        build_optimizer(_model(), "rmsprop", lr=0.1, weight_decay=0.0)  # type: ignore[arg-type]


def test_set_lr_updates_every_group():
    opt = build_optimizer(_model(), "sgd", lr=0.1, weight_decay=0.0)
    set_lr(opt, 0.3)
    assert [g["lr"] for g in opt.param_groups] == [0.3, 0.3]


def test_lars_step_matches_hand_computed_trust_ratio():
    w = nn.Parameter(torch.tensor([[3.0, 4.0]]))  # ‖w‖ = 5
    w.grad = torch.tensor([[0.6, 0.8]])  # ‖g‖ = 1
    opt = LARS([w], lr=1.0, momentum=0.0, weight_decay=0.0, trust_coefficient=0.01)
    opt.step()
    # step = lr * η ‖w‖/‖g‖ * g = 0.05 * g
    torch.testing.assert_close(w.data, torch.tensor([[3.0 - 0.03, 4.0 - 0.04]]))


def test_lars_excluded_group_is_plain_sgd_with_momentum():
    b = nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = LARS([{"params": [b], "lars_exclude": True}], lr=0.5, momentum=0.9, weight_decay=1.0)
    for _ in range(2):
        b.grad = torch.tensor([1.0, 1.0])
        opt.step()
    # buffers: 1, then 0.9 + 1 = 1.9; total step 0.5 * (1 + 1.9) = 1.45, no decay applied
    torch.testing.assert_close(b.data, torch.tensor([1.0 - 1.45, 2.0 - 1.45]))


def test_lars_rejects_non_positive_lr():
    with pytest.raises(ValueError, match="lr"):
        LARS([nn.Parameter(torch.ones(1))], lr=0.0)


def test_adamw_is_fused_and_steps_like_torchs_default():
    torch.manual_seed(0)
    ours_model, ref_model = _model(), _model()
    ref_model.load_state_dict(ours_model.state_dict())
    ours = build_optimizer(ours_model, "adamw", lr=0.01, weight_decay=0.1)
    assert all(g["fused"] for g in ours.param_groups)
    decay = [p for p in ref_model.parameters() if p.ndim > 1]
    no_decay = [p for p in ref_model.parameters() if p.ndim <= 1]
    ref = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=0.01,
        foreach=False,
    )
    for _ in range(3):
        for model, opt in ((ours_model, ours), (ref_model, ref)):
            opt.zero_grad()
            model(torch.ones(3, 4)).square().sum().backward()
            opt.step()
    for a, b in zip(ours_model.parameters(), ref_model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)
