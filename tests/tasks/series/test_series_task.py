"""The series task through the CLI on a real UCR set: train (with a temporal window), resume
bit-identical, evaluate by the UCR protocol, embed, export, reopen, explain."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from contrastkit.cli import main
from contrastkit.data.series import load_series
from contrastkit.encoders import load_encoder
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint
from contrastkit.explain import explain

pytest.importorskip("aeon", reason="the UCR/UEA files come with aeon (pip install --no-deps aeon)")

SMALL = [
    "--set", "model.hidden=8", "--set", "model.depth=3", "--set", "model.dim=16",
    "--set", "model.projection_hidden=16", "--set", "model.projection_dim=8",
    "--set", "optim.batch_size=8", "--set", "data.crops_per_series=2",
    "--set", "negatives.exclusion_window=20", "--set", "checkpoint_every=3",
    "--set", "keep_checkpoints=3", "--device", "cpu", "-q",
]  # fmt: skip


def _train(out, *extra: str) -> int:
    train = ["train", "--method", "series_contrast", "--data", "ucr:GunPoint", "--steps", "6"]
    return main([*train, "--out", str(out), *SMALL, *extra])


def test_trains_resumes_evaluates_embeds_exports_and_explains(tmp_path, capsys):
    run, killed = tmp_path / "run", tmp_path / "killed"
    assert _train(run) == 0
    assert json.loads((run / "config.json").read_text())["task"] == "series"
    assert _train(killed) == 0
    for path in list_checkpoints(killed / "checkpoints"):
        if load_checkpoint(path)["step"] > 3:
            path.unlink()
    assert _train(killed, "--resume", "auto") == 0
    final = [load_checkpoint(list_checkpoints(d / "checkpoints")[-1]) for d in (run, killed)]
    for key, value in final[0]["model"].items():
        assert torch.equal(value, final[1]["model"][key]), key

    capsys.readouterr()
    assert main(["eval", "--run", str(run), "--device", "cpu"]) == 0
    assert "1-NN accuracy" in capsys.readouterr().out
    scores = json.loads((run / "eval.json").read_text())
    assert scores["n_train"] == 50 and scores["n_test"] == 150
    assert 0.5 <= scores["knn_accuracy"] <= 1 and 0 <= scores["probe_accuracy"] <= 1

    emb = tmp_path / "emb.npy"
    assert main(["embed", "--run", str(run), "--split", "test", "--out", str(emb), "-q"]) == 0
    assert main(["export", "--run", str(run), "--out", str(tmp_path / "export")]) == 0
    encoder = load_encoder(tmp_path / "export")
    test = load_series("ucr:GunPoint", "test").series
    np.testing.assert_allclose(encoder.encode(test).numpy(), np.load(emb), atol=1e-6)
    one_by_one = encoder.encode([s for s in test[:3]])  # a list of series, each its own length
    torch.testing.assert_close(one_by_one, encoder.encode(test[:3]), atol=1e-5, rtol=1e-5)

    why = explain(encoder, test[0], test[1], steps=32, pairwise=False)
    ig = why.query.integrated_gradients
    assert len(why.query.parts) == 30 and why.query.parts.labels[0] == "t 0–4"  # 150 / 5
    assert abs(float(ig.scores.sum()) - (ig.value - ig.reference)) < 1e-3


def test_a_window_with_debiased_negatives_is_one_line(tmp_path, capsys):
    assert _train(tmp_path / "run", "--set", "negatives.kind=debiased") == 1
    assert "exclusion_window works with negatives.kind=random" in capsys.readouterr().err
