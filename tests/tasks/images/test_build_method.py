"""tasks/images/build.py: method_options checked against the class signature; the EMA
schedule engine/build.py derives from an EMA method."""

from __future__ import annotations

import pytest
import torch

from contrastkit.engine.build import loop_settings, momentum_schedule
from contrastkit.engine.config import ConfigError
from contrastkit.engine.schedules import cosine_momentum
from contrastkit.methods import MoCoV2, SimCLR, SimSiam
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import build_method, method_class, method_options_of
from contrastkit.tasks.images.methods import METHODS


def config(*pairs: str):
    return load_config(None, ["model.backbone=mlp", "model.projection_hidden=8", *pairs])


def test_method_options_reach_the_class_beside_the_common_settings():
    cfg = config(
        "method=moco_v2",
        "temperature=0.3",
        "model.projection_dim=4",
        "method_options.queue_size=10",
        "method_options.base_momentum=0.95",
    )
    method = build_method(cfg, channels=1, image_size=8)
    assert isinstance(method, MoCoV2) and method.base_momentum == 0.95
    assert method.queue.size == 10 and method.queue.dim == 4
    assert method.criterion.temperature == 0.3


def test_backbone_options_reach_the_backbone_and_bad_ones_say_which():
    def build(*pairs: str):
        return build_method(load_config(None, list(pairs)), channels=1, image_size=28).backbone

    backbone = build("model.backbone_options.grid=2", "model.backbone_options.width=4")
    assert backbone.grid == 2 and backbone.fc.in_features == 8 * 4 * 2 * 2
    assert build("model.backbone_options.dim=null", "model.backbone_options.grid=4").dim == 4096
    with pytest.raises(ConfigError, match=r"backbone 'small_cnn' with .*'depth'"):
        build("model.backbone_options.depth=3")
    with pytest.raises(ConfigError, match="grid must be a positive integer"):
        build("model.backbone_options.grid=0")


def test_a_boolean_option_from_set_builds_the_ablation():
    cfg = config("method=simsiam", "method_options.predictor=false")
    method = build_method(cfg, channels=1, image_size=8)
    assert isinstance(method, SimSiam) and type(method.predictor).__name__ == "Identity"


def test_an_unknown_option_names_the_allowed_ones():
    with pytest.raises(ConfigError) as e:
        method_class(config("method=byol", "method_options.queue_size=8"))
    assert str(e.value) == (
        "unknown method_options 'queue_size' for method 'byol'; "
        "allowed: base_momentum, predictor_hidden"
    )


def test_common_settings_are_not_method_options():
    with pytest.raises(ConfigError, match="'temperature' for method 'simclr'; allowed: beta, neg"):
        method_class(config("method=simclr", "method_options.temperature=0.1"))
    assert "temperature" not in method_options_of(MoCoV2)


def test_a_rejected_value_is_a_config_error():
    with pytest.raises(ConfigError, match="base_momentum must be in"):
        build_method(config("method=byol", "method_options.base_momentum=1.5"), 1, 8)
    with pytest.raises(ConfigError, match="size must be a positive integer"):
        build_method(config("method=moco_v2", "method_options.queue_size=0"), 1, 8)


def test_every_registered_method_lists_its_options():
    for cls in METHODS.values():
        assert all(isinstance(name, str) for name in method_options_of(cls))
    assert method_options_of(SimCLR) == ["beta", "negatives", "tau_plus"]


def test_ema_methods_get_the_cosine_momentum_of_their_base():
    cfg = config("method=byol", "steps=10", "method_options.base_momentum=0.9")
    method = build_method(cfg, 1, 8)
    settings = loop_settings(cfg, 5, method, progress=False)
    assert settings.momentum is not None
    assert [settings.momentum(s) for s in (0, 5, 10)] == [
        cosine_momentum(s, total=10, base=0.9) for s in (0, 5, 10)
    ]
    assert settings.momentum(0) == pytest.approx(0.9) and settings.momentum(10) == 1.0


def test_methods_without_a_target_get_no_momentum():
    cfg = config("method=simsiam", "steps=4")
    method = build_method(cfg, 1, 8)
    assert momentum_schedule(method, total=4) is None
    assert loop_settings(cfg, 5, method, progress=False).momentum is None


@pytest.mark.parametrize(("backbone", "expected"), [("small_cnn", True), ("mlp", False)])
def test_conv_backbones_are_built_channels_last(backbone, expected):
    cfg = load_config(overrides=[f"model.backbone={backbone}"])
    method = build_method(cfg, channels=1, image_size=28)
    weights = [p for p in method.backbone.parameters() if p.dim() == 4]
    assert bool(weights) == expected
    assert all(p.is_contiguous(memory_format=torch.channels_last) for p in weights)
    off = load_config(overrides=["model.channels_last=false"])
    plain = build_method(off, channels=1, image_size=28)
    assert not any(
        p.is_contiguous(memory_format=torch.channels_last) and not p.is_contiguous()
        for p in plain.backbone.parameters()
    )
