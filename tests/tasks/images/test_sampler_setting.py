"""``data.sampler=class_balanced``: every batch holds per_class samples of each of its classes."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import torch

from contrastkit.cli import main
from contrastkit.engine.config import ConfigError
from contrastkit.tasks import load_config
from contrastkit.tasks.images.build import build_stream, load_image_data


def _config(source: str, *extra: str):
    return load_config(None, ["method=supcon", f"data.source={source}", "optim.batch_size=8",
                              "data.sampler=class_balanced", "data.per_class=4", *extra])  # fmt: skip


def test_every_batch_is_per_class_samples_of_whole_classes(tiny_npz_source):
    cfg = _config(tiny_npz_source)
    data = load_image_data(cfg)
    stream = build_stream(cfg, data, torch.device("cpu"))
    batches = list(stream.epoch(0))
    assert len(batches) == len(stream.batches) > 0
    for views in batches:
        assert sorted(Counter(views.labels.tolist()).values()) == [4, 4]  # 2 classes × 4


def test_a_batch_that_is_no_multiple_of_per_class_is_one_clear_error(tiny_npz_source):
    cfg = _config(tiny_npz_source, "data.per_class=3")
    with pytest.raises(ConfigError, match=r"multiple of data\.per_class 3"):
        build_stream(cfg, load_image_data(cfg), torch.device("cpu"))


def test_supcon_trains_with_the_class_balanced_sampler(tmp_path, tiny_npz_source):
    out = tmp_path / "run"
    code = main(["train", "--method", "supcon", "--data", tiny_npz_source, "--steps", "2",
                 "--out", str(out), "--set", "optim.batch_size=8", "--set", "data.sampler=class_balanced",
                 "--set", "model.projection_hidden=16", "--set", "model.projection_dim=8",
                 "--device", "cpu", "-q"])  # fmt: skip
    assert code == 0
    assert json.loads((out / "config.json").read_text())["data"]["sampler"] == "class_balanced"
