"""Heads (nn/heads.py): the mlp builder's layer structure and the papers' sizes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from contrastkit.nn import (
    barlow_twins_projection,
    byol_predictor,
    byol_projection,
    mlp,
    moco_v2_projection,
    simclr_projection,
    simsiam_predictor,
    simsiam_projection,
)


def kinds(head: nn.Sequential) -> list[str]:
    return [type(m).__name__ for m in head]


def linear_sizes(head: nn.Sequential) -> list[tuple[int, int]]:
    return [(m.in_features, m.out_features) for m in head if isinstance(m, nn.Linear)]


def test_hidden_layers_are_linear_bn_relu_and_the_last_is_bare():
    head = mlp([4, 8, 16, 2])
    assert kinds(head) == ["Linear", "BatchNorm1d", "ReLU"] * 2 + ["Linear"]
    assert linear_sizes(head) == [(4, 8), (8, 16), (16, 2)]
    assert head[0].bias is None and head[3].bias is None  # BN follows: bias would be dead
    assert head[-1].bias is not None
    out = head(torch.randn(5, 4))
    assert out.shape == (5, 2) and (out < 0).any()  # nothing squashes the output


def test_last_batch_norm_has_no_affine_and_no_bias_before_it():
    head = mlp([4, 8, 2], last_batch_norm=True)
    assert kinds(head) == ["Linear", "BatchNorm1d", "ReLU", "Linear", "BatchNorm1d"]
    assert head[3].bias is None and not head[4].affine
    out = head(torch.randn(6, 4))  # train mode: batch-normalised output
    torch.testing.assert_close(out.mean(0), torch.zeros(2), atol=1e-5, rtol=0)


def test_options_without_batch_norm_bias_and_with_another_activation():
    plain = mlp([4, 8, 2], batch_norm=False)
    assert kinds(plain) == ["Linear", "ReLU", "Linear"]
    assert plain[0].bias is not None and plain[2].bias is not None
    assert mlp([4, 2], last_bias=False)[0].bias is None
    assert kinds(mlp([4, 8, 2], activation=nn.GELU)) == ["Linear", "BatchNorm1d", "GELU", "Linear"]
    assert kinds(mlp([4, 2])) == ["Linear"]


@pytest.mark.parametrize("dims", [[], [4], [4, 0], [4, -2, 3], [4, 2.5]])
def test_rejects_bad_dims(dims):
    with pytest.raises(ValueError, match="dims must hold at least 2 positive integers"):
        mlp(dims)


@pytest.mark.parametrize(
    ("build", "sizes", "last_bn"),
    [
        (lambda: simclr_projection(2048), [(2048, 2048), (2048, 128)], False),
        (
            lambda: simclr_projection(2048, layers=3),
            [(2048, 2048), (2048, 2048), (2048, 128)],
            False,
        ),
        (lambda: moco_v2_projection(2048), [(2048, 2048), (2048, 128)], False),
        (lambda: byol_projection(2048), [(2048, 4096), (4096, 256)], False),
        (lambda: byol_predictor(), [(256, 4096), (4096, 256)], False),
        (lambda: simsiam_projection(2048), [(2048, 2048), (2048, 2048), (2048, 2048)], True),
        (lambda: simsiam_predictor(), [(2048, 512), (512, 2048)], False),
        (lambda: barlow_twins_projection(2048), [(2048, 8192), (8192, 8192), (8192, 8192)], False),
    ],
)
def test_presets_have_the_papers_sizes(build, sizes, last_bn):
    with torch.device("meta"):  # the paper sizes without allocating (Barlow Twins is 134M)
        head = build()
    assert linear_sizes(head) == sizes
    assert isinstance(head[-1], nn.BatchNorm1d) is last_bn


def test_preset_details():
    moco = moco_v2_projection(8, hidden=16, out=4)
    assert kinds(moco) == ["Linear", "ReLU", "Linear"]  # MoCo v2: no BatchNorm
    simsiam = simsiam_projection(8, hidden=16, out=4)
    assert kinds(simsiam) == ["Linear", "BatchNorm1d", "ReLU"] * 2 + ["Linear", "BatchNorm1d"]
    assert not simsiam[-1].affine and simsiam[-2].bias is None
    assert barlow_twins_projection(8, hidden=16, out=4)[-1].bias is None
    assert byol_predictor(4, hidden=16)(torch.randn(3, 4)).shape == (3, 4)
    with pytest.raises(ValueError, match="layers must be >= 1"):
        simclr_projection(8, layers=0)
