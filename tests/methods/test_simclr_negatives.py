"""SimCLR's ``negatives`` option: the debiased and hard-negative losses in the same step."""

from __future__ import annotations

import pytest
import torch

from contrastkit.losses import debiased_info_nce, hard_negative_info_nce, nt_xent
from contrastkit.methods import SimCLR
from contrastkit.nn import build_backbone
from contrastkit.types import Views


@pytest.mark.parametrize(
    ("negatives", "loss"),
    [
        ("random", lambda z1, z2: nt_xent(z1, z2, temperature=0.2)),
        ("debiased", lambda z1, z2: debiased_info_nce(z1, z2, temperature=0.2, tau_plus=0.05)),
        (
            "hard",
            lambda z1, z2: hard_negative_info_nce(z1, z2, temperature=0.2, tau_plus=0.05, beta=0.5),
        ),
    ],
)
def test_the_step_uses_the_chosen_negatives(negatives, loss):
    torch.manual_seed(0)
    backbone = build_backbone("mlp", in_channels=1, image_size=8)
    method = SimCLR(
        backbone, projection_hidden=16, projection_dim=8, temperature=0.2,
        negatives=negatives, tau_plus=0.05, beta=0.5,
    )  # fmt: skip
    views = Views(torch.rand(6, 1, 8, 8), torch.rand(6, 1, 8, 8))
    out = method.training_step(views)
    torch.testing.assert_close(out.loss, loss(out.z1, out.z2))


def test_unknown_negatives_and_a_learned_temperature_with_them_are_refused():
    backbone = build_backbone("mlp", in_channels=1, image_size=8)
    with pytest.raises(ValueError, match="negatives must be one of random, debiased, hard"):
        SimCLR(backbone, negatives="semi")
    with pytest.raises(ValueError, match="learnable_temperature works with negatives='random'"):
        SimCLR(backbone, negatives="hard", learnable_temperature=True)
