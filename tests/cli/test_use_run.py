"""``eval``, ``embed`` and ``export`` accept the run directory ``train`` writes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from contrastkit.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny, fashion_mnist_available):
    out = tmp_path_factory.mktemp("run")
    assert main(["train", "--data", "fashion-mnist", "--steps", "2", "--out", str(out), *tiny]) == 0
    return out


def test_eval_writes_accuracies_above_chance(run_dir, capsys):
    assert main(["eval", "--run", str(run_dir), "--device", "cpu", "-q"]) == 0
    report = json.loads((run_dir / "eval.json").read_text())
    assert report["n_train"] == 512 and report["n_test"] == 10_000
    assert 0.3 < report["knn_accuracy"] <= 1 and 0.1 < report["probe_accuracy"] <= 1
    assert "kNN accuracy" in capsys.readouterr().out


def test_embed_writes_one_row_and_one_id_per_image(run_dir, tmp_path):
    out = tmp_path / "emb.npy"
    args = ["embed", "--run", str(run_dir), "--split", "test", "--out", str(out), "-q"]
    assert main([*args, "--device", "cpu"]) == 0
    feats = np.load(out)
    ids = json.loads((tmp_path / "emb.ids.json").read_text())
    assert feats.shape == (10_000, 256) and feats.dtype == np.float32 and np.isfinite(feats).all()
    assert (
        len(ids["ids"]) == len(ids["labels"]) == 10_000 and ids["ids"][3] == "fashion-mnist:test:3"
    )


def test_export_round_trips_the_backbone(run_dir, tmp_path):
    from safetensors.torch import load_file

    from contrastkit.engine.run import load_trained
    from contrastkit.nn import build_backbone

    assert main(["export", "--run", str(run_dir), "--out", str(tmp_path / "exp")]) == 0
    card = json.loads((tmp_path / "exp" / "card.json").read_text())
    assert (
        card["backbone"] == "small_cnn"
        and card["feature_dim"] == 256
        and card["trained_steps"] == 2
    )
    fresh = build_backbone(card["backbone"], in_channels=1, image_size=28)
    fresh.load_state_dict(load_file(tmp_path / "exp" / "backbone.safetensors"))
    fresh.eval()
    x = torch.randn(4, 1, 28, 28)
    torch.testing.assert_close(fresh(x), load_trained(run_dir).method.backbone(x))
