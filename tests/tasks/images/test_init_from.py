"""model.init_from: a new run starts its backbone from a trained run's, heads fresh."""

from __future__ import annotations

import pytest
import torch

from contrastkit.api import train
from contrastkit.engine.checkpoint import load_latest
from contrastkit.engine.config import ConfigError
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import build_method, load_backbone

TINY = [
    "steps=2",
    "data.max_samples=64",
    "optim.batch_size=16",
    "model.projection_hidden=32",
    "model.projection_dim=16",
    "monitor.every=0",
    "device=cpu",
]


@pytest.fixture
def trained_run(tmp_path, fashion_mnist_available):
    run = tmp_path / "simclr"
    train(load_config(overrides=TINY), out=run, progress=False)
    return run


def test_backbone_comes_from_the_run_and_heads_start_fresh(trained_run):
    cfg = load_config(overrides=[*TINY, "method=supcon", "method_options.num_classes=10"])
    method = build_method(cfg, channels=1, image_size=28)
    untouched = {k: v.clone() for k, v in method.projection.state_dict().items()}
    load_backbone(method, trained_run)
    saved = load_latest(trained_run / "checkpoints")["model"]
    for name, value in method.backbone.state_dict().items():
        torch.testing.assert_close(value, saved[f"backbone.{name}"], rtol=0, atol=0)
    for name, value in method.projection.state_dict().items():
        torch.testing.assert_close(value, untouched[name], rtol=0, atol=0)


def test_a_run_with_init_from_trains(trained_run, tmp_path):
    settings = [*TINY, "method=supcon", "method_options.num_classes=10"]
    cfg = load_config(overrides=[*settings, f"model.init_from={trained_run}"])
    result = train(cfg, out=tmp_path / "fine-tuned", progress=False)
    assert result.steps == 2


def test_a_different_backbone_is_refused_in_one_line(trained_run):
    cfg = load_config(overrides=[*TINY, "model.backbone=mlp"])
    method = build_method(cfg, channels=1, image_size=28)
    with pytest.raises(ConfigError, match="different backbone"):
        load_backbone(method, trained_run)


def test_a_missing_run_is_named(tmp_path):
    method = build_method(load_config(overrides=TINY), channels=1, image_size=28)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_backbone(method, tmp_path / "nowhere")
