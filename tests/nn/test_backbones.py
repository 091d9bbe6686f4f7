"""Backbones (nn/backbones.py, resnet.py, small_cnn.py, mlp_backbone.py): shapes, stems, no downloads."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from contrastkit.nn import (
    BACKBONES,
    RESNET_DIMS,
    MLPBackbone,
    ResNetBackbone,
    SmallCNN,
    build_backbone,
)

DIMS = {**RESNET_DIMS, "small_cnn": 256, "mlp": 128}


@pytest.fixture(autouse=True)
def _no_downloads(monkeypatch):
    """Any attempt to fetch pretrained weights fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a backbone tried to download weights")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", refuse)
    monkeypatch.setattr(torchvision.models.WeightsEnum, "get_state_dict", refuse)


def test_backbones_lists_every_name():
    assert set(BACKBONES) == {"resnet18", "resnet34", "resnet50", "small_cnn", "mlp"}


@pytest.mark.parametrize("name", sorted(BACKBONES))
@pytest.mark.parametrize("channels", [1, 3])
def test_output_is_batch_by_dim(name, channels):
    net = build_backbone(name, in_channels=channels, image_size=32)
    out = net(torch.randn(2, channels, 32, 32))
    assert net.dim == DIMS[name] and out.shape == (2, net.dim)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", ["resnet18", "small_cnn", "mlp"])
def test_gradient_reaches_every_parameter(name):
    net = build_backbone(name, in_channels=1, image_size=16)
    x = torch.randn(2, 1, 16, 16, requires_grad=True)
    net(x).square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    for pname, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, pname


def test_cifar_stem_keeps_32x32_through_conv1_and_the_pool():
    net = ResNetBackbone("resnet18", in_channels=3, cifar_stem=True)
    assert isinstance(net.maxpool, nn.Identity)
    assert net.conv1.kernel_size == (3, 3) and net.conv1.stride == (1, 1)
    stem = net.maxpool(net.relu(net.bn1(net.conv1(torch.randn(1, 3, 32, 32)))))
    assert stem.shape == (1, 64, 32, 32)
    imagenet = ResNetBackbone("resnet18")
    assert imagenet.conv1.kernel_size == (7, 7) and imagenet.conv1.stride == (2, 2)
    assert imagenet.maxpool(imagenet.conv1(torch.randn(1, 3, 32, 32))).shape == (1, 64, 8, 8)


def test_in_channels_replace_conv1_and_keep_torchvision_init():
    net = ResNetBackbone("resnet34", in_channels=1)
    assert net.conv1.in_channels == 1 and net.conv1.kernel_size == (7, 7)
    # kaiming_normal(fan_out): std = sqrt(2 / (64 · 7 · 7)) ≈ 0.0253
    assert net.conv1.weight.std().item() == pytest.approx((2 / (64 * 49)) ** 0.5, rel=0.1)


@pytest.mark.parametrize(("size", "cifar"), [(28, True), (64, True), (65, False), (224, False)])
def test_build_picks_the_cifar_stem_up_to_64_pixels(size, cifar):
    net = build_backbone("resnet18", in_channels=3, image_size=size)
    assert isinstance(net.maxpool, nn.Identity) is cifar
    assert net.conv1.stride == ((1, 1) if cifar else (2, 2))
    forced = build_backbone("resnet18", in_channels=3, image_size=size, cifar_stem=not cifar)
    assert isinstance(forced.maxpool, nn.Identity) is (not cifar)


def test_resnet_state_dict_matches_torchvision_names():
    reference = torchvision.models.resnet18(weights=None).state_dict()
    result = ResNetBackbone("resnet18").load_state_dict(reference, strict=False)
    assert result.missing_keys == []
    assert sorted(result.unexpected_keys) == ["fc.bias", "fc.weight"]


def test_small_cnn_size_and_shapes_are_as_documented():
    net = SmallCNN()
    assert sum(p.numel() for p in net.parameters()) == 454_112
    assert net.features(torch.zeros(2, 1, 28, 28)).shape == (2, 256, 4, 4)
    wide = SmallCNN(in_channels=3, dim=64, width=8)
    assert wide(torch.zeros(2, 3, 40, 40)).shape == (2, 64) and wide.dim == 64


def test_small_cnn_grid_keeps_where_a_pattern_was():
    net = SmallCNN(grid=4)
    assert net.fc.in_features == 256 * 16
    assert sum(p.numel() for p in net.parameters()) == 454_112 + 256 * 15 * 256
    assert net(torch.zeros(2, 1, 40, 40)).shape == (2, 256)  # any input size
    bare = SmallCNN(grid=4, dim=None)  # the pooled grid is the feature, as in a ResNet
    assert bare.dim == 4096 and bare(torch.zeros(2, 1, 28, 28)).shape == (2, 4096)
    assert sum(p.numel() for p in bare.parameters()) == 454_112 - 256 * 256 - 256
    maps = torch.randn(2, 256, 4, 4)  # what the convolutions hand the pool
    mirrored = maps.flip(-1)  # the same patterns, on the other side
    for grid, sees_the_side in ((1, False), (4, True)):
        net = SmallCNN(grid=grid)
        net.features = nn.Identity()
        differs = not torch.allclose(net(maps), net(mirrored), atol=1e-6)
        assert differs == sees_the_side, grid


def test_small_cnn_feature_bn_standardises_without_learning_anything():
    plain, normed = SmallCNN(grid=4, dim=None), SmallCNN(grid=4, dim=None, feature_bn=True)
    assert sum(p.numel() for p in normed.parameters()) == sum(p.numel() for p in plain.parameters())
    normed.load_state_dict(plain.state_dict(), strict=False)  # same weights, plus the BN
    images = torch.randn(64, 1, 28, 28)
    raw = plain(images)
    assert raw.min() >= 0  # pooled ReLU maps: the positive orthant
    out = normed(images)  # training mode: the batch's own statistics
    assert torch.allclose(out.mean(0), torch.zeros(4096), atol=1e-5)
    spread = raw.var(0, unbiased=False)  # some positions are 0 for the whole batch
    expected_var = spread / (spread + normed.norm.eps)
    assert torch.allclose(out.var(0, unbiased=False), expected_var, atol=1e-3)
    plain.load_state_dict(normed.state_dict(), strict=False)  # the same running statistics
    normed.eval(), plain.eval()  # eval mode: the running statistics, the same for every batch
    stats = normed.norm
    expected = (plain(images[:3]) - stats.running_mean) / (stats.running_var + stats.eps).sqrt()
    assert torch.allclose(normed(images[:3]), expected, atol=1e-5)


def test_mlp_flattens_and_passes_options():
    net = build_backbone("mlp", in_channels=2, image_size=5, hidden=(16, 8), dim=4)
    assert isinstance(net, MLPBackbone) and net.in_features == 50 and net.dim == 4
    assert net(torch.randn(3, 2, 5, 5)).shape == (3, 4)
    series = MLPBackbone(in_features=6 * 10, hidden=())
    assert series(torch.randn(3, 6, 10)).shape == (3, 128)
    with pytest.raises(ValueError, match="60 values per sample"):
        series(torch.randn(3, 6, 11))


def test_kwargs_reach_the_class():
    assert build_backbone("small_cnn", in_channels=1, image_size=28, dim=32, width=4).dim == 32


def test_unknown_names_and_bad_arguments_raise_value_errors():
    with pytest.raises(
        ValueError, match="unknown backbone 'vit'; choose one of: resnet18, resnet34"
    ):
        build_backbone("vit", in_channels=3, image_size=32)
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        build_backbone("small_cnn", in_channels=0, image_size=32)
    with pytest.raises(ValueError, match="image_size must be a positive integer"):
        build_backbone("mlp", in_channels=1, image_size=0)
    with pytest.raises(ValueError, match="unknown ResNet 'resnet101'"):
        ResNetBackbone("resnet101")
    with pytest.raises(ValueError, match="width must be a positive integer"):
        SmallCNN(width=0)
    with pytest.raises(ValueError, match="grid must be a positive integer"):
        SmallCNN(grid=0)
    with pytest.raises(ValueError, match="feature_bn must be true or false"):
        SmallCNN(feature_bn="yes")  # type: ignore[arg-type]
