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
    assert report["knn_k"] == 10 and report["knn_temperature"] == 0.1  # the run's settings
    assert "kNN accuracy" in capsys.readouterr().out


def test_eval_takes_k_and_temperature_for_the_knn_vote(run_dir, capsys):
    from contrastkit.api import open_run
    from contrastkit.data.fashion_mnist import load_fashion_mnist
    from contrastkit.evaluation import knn_accuracy
    from contrastkit.tasks.images.embed import embed_images, eval_transform

    args = ["eval", "--run", str(run_dir), "--device", "cpu", "-q", "--no-probe"]
    assert main([*args, "--knn-k", "3", "--knn-temperature", "0.5"]) == 0
    report = json.loads((run_dir / "eval.json").read_text())
    assert report["knn_k"] == 3 and report["knn_temperature"] == 0.5
    assert "(k=3, τ=0.5)" in capsys.readouterr().out
    # the same vote, computed here from the run's embeddings of its bank (eval.max_train=512)
    trained = open_run(run_dir)
    prepare = eval_transform(trained.record["input"], torch.device("cpu"))
    bank = load_fashion_mnist("train").subset(torch.arange(512))
    encode, cpu = trained.method.encoder, torch.device("cpu")
    xb, yb = embed_images(encode, bank, prepare, device=cpu, progress=False)
    xt, yt = embed_images(encode, load_fashion_mnist("test"), prepare, device=cpu, progress=False)
    expected = knn_accuracy(xb, yb, xt, yt, k=3, temperature=0.5)
    assert report["knn_accuracy"] == pytest.approx(expected, abs=1e-9)
    assert main([*args, "--knn-k", "0"]) != 0  # a vote needs a neighbour
    assert main([*args, "--knn-temperature", "0"]) != 0


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

    from contrastkit.api import open_run
    from contrastkit.nn import build_backbone

    assert main(["export", "--run", str(run_dir), "--out", str(tmp_path / "exp")]) == 0
    card = json.loads((tmp_path / "exp" / "card.json").read_text())
    assert (
        card["backbone"] == "small_cnn"
        and card["feature_dim"] == 256
        and card["trained_steps"] == 2
    )
    assert card["backbone_options"] == {}
    fresh = build_backbone(
        card["backbone"], in_channels=1, image_size=28, **card["backbone_options"]
    )
    fresh.load_state_dict(load_file(tmp_path / "exp" / "backbone.safetensors"))
    fresh.eval()
    x = torch.randn(4, 1, 28, 28)
    torch.testing.assert_close(fresh(x), open_run(run_dir).method.backbone(x))
