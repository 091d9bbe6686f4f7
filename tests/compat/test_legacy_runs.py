"""Run directories and exports written before tasks existed (commit 7a7dab7, kept in
tests/fixtures/) still open: eval, embed, export and ``--resume auto`` work on them, and they
embed exactly as the old code did."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from contrastkit.cli import main
from contrastkit.encoders import load_encoder

REPO = Path(__file__).parents[2]
OLD = Path("tests/fixtures/legacy-7a7dab7")  # the runs name their data relative to the repo


@pytest.fixture(autouse=True)
def _at_the_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def _copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(OLD / name, tmp_path / name))


def test_an_old_image_run_embeds_evaluates_exports_and_resumes(tmp_path, fashion_mnist_available):
    run = _copy("image-run", tmp_path)
    assert "task" not in json.loads((run / "config.json").read_text())  # written before tasks
    out = tmp_path / "emb.npy"
    embed = ["embed", "--run", str(run), "--data", f"npz:{OLD / 'images16.npz'}", "--out", str(out)]
    assert main([*embed, "--device", "cpu", "-q"]) == 0
    old = np.load(OLD / "image-embeddings.npy")
    np.testing.assert_allclose(np.load(out), old, rtol=0, atol=1e-6)

    assert main(["eval", "--run", str(run), "--no-probe", "--device", "cpu", "-q"]) == 0
    assert 0.1 < json.loads((run / "eval.json").read_text())["knn_accuracy"] <= 1

    assert main(["export", "--run", str(run), "--out", str(tmp_path / "export")]) == 0
    images = torch.from_numpy(np.load(OLD / "images16.npz")["images"])
    again = load_encoder(tmp_path / "export").encode(images)
    np.testing.assert_allclose(again.numpy(), old, rtol=0, atol=1e-6)

    # the run's own config.json is a config file; only the budget grows
    resume = ["train", "--config", str(run / "config.json"), "--out", str(run), "--resume", "auto"]
    assert main([*resume, "--steps", "3", "--device", "cpu", "-q"]) == 0
    steps = [json.loads(r)["step"] for r in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3]
    assert json.loads((run / "config.json").read_text())["task"] == "images"


def test_an_old_image_export_opens_and_embeds_as_before():
    images = torch.from_numpy(np.load(OLD / "images16.npz")["images"])
    encoder = load_encoder(OLD / "image-export")
    assert encoder.dim == 256
    old = np.load(OLD / "image-embeddings.npy")
    np.testing.assert_allclose(encoder.encode(images).numpy(), old, rtol=0, atol=1e-6)


def test_an_old_text_run_embeds_evaluates_exports_and_resumes(tmp_path):
    run = _copy("text-run", tmp_path)
    rows = f"jsonl:{OLD / 'rows.jsonl'}"
    out = tmp_path / "emb.npy"
    assert main(["embed", "--run", str(run), "--data", rows, "--out", str(out), "-q"]) == 0
    old = np.load(OLD / "text-embeddings.npy")
    np.testing.assert_allclose(np.load(out), old, rtol=0, atol=1e-6)

    assert main(["eval", "--run", str(run), "--data", rows, "--device", "cpu", "-q"]) == 0
    assert 0 <= json.loads((run / "eval.json").read_text())["mrr@10"] <= 1

    assert main(["export", "--run", str(run), "--out", str(tmp_path / "export")]) == 0
    texts = json.loads((OLD / "text-embeddings.ids.json").read_text())["texts"]
    again = load_encoder(tmp_path / "export").encode(texts)
    np.testing.assert_allclose(again.numpy(), old, rtol=0, atol=1e-6)

    resume = ["train", "--config", str(run / "config.json"), "--out", str(run), "--resume", "auto"]
    assert main([*resume, "--steps", "3", "--device", "cpu", "-q"]) == 0
    assert json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])["step"] == 3
    assert json.loads((run / "config.json").read_text())["task"] == "text"


def test_an_old_text_export_without_a_card_opens_and_embeds_as_before():
    texts = json.loads((OLD / "text-embeddings.ids.json").read_text())["texts"]
    encoder = load_encoder(OLD / "text-export")
    assert not (OLD / "text-export" / "card.json").exists() and encoder.inputs == "texts"
    old = np.load(OLD / "text-embeddings.npy")
    np.testing.assert_allclose(encoder.encode(texts).numpy(), old, rtol=0, atol=1e-6)
