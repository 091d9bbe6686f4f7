"""Every preset in configs/ loads and trains 2 steps through ``contrastkit train``, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from contrastkit.cli import main
from contrastkit.methods import METHODS

CONFIGS = sorted((Path(__file__).parents[2] / "configs").glob("*.yaml"))
TINY = [
    "--set", "data.max_samples=64",
    "--set", "optim.batch_size=16",
    "--set", "model.projection_hidden=32",
    "--set", "model.projection_dim=16",
    "--device", "cpu",
    "--quiet",
]  # fmt: skip


def test_there_is_a_preset_per_method():
    presets = {yaml.safe_load(p.read_text())["method"] for p in CONFIGS}
    assert presets == set(METHODS)


@pytest.mark.usefixtures("fashion_mnist_available")
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_preset_trains_two_steps(path, tmp_path):
    out = tmp_path / path.stem
    assert main(["train", "--config", str(path), "--steps", "2", "--out", str(out), *TINY]) == 0
    saved = json.loads((out / "config.json").read_text())
    preset = yaml.safe_load(path.read_text())
    assert saved["method"] == preset["method"] and saved["steps"] == 2
    assert saved["method_options"] == preset.get("method_options", {})
