"""``contrastkit train`` end to end through ``cli.main`` on real data, in-process."""

from __future__ import annotations

import json

import pytest
import torch

from contrastkit.cli import main
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint

pytestmark = pytest.mark.usefixtures("fashion_mnist_available")


@pytest.fixture
def _train(tiny):
    def run(out, *extra):
        return main(["train", "--data", "fashion-mnist", "--out", str(out), *tiny, *extra])

    return run


def test_two_steps_write_a_complete_run_directory(_train, tmp_path):
    assert _train(tmp_path, "--steps", "2") == 0
    assert json.loads((tmp_path / "config.json").read_text())["steps"] == 2
    rows = [json.loads(r) for r in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    assert all(torch.isfinite(torch.tensor(r["loss"])) for r in rows)
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "tb").iterdir())
    state = load_checkpoint(list_checkpoints(tmp_path / "checkpoints")[-1])
    assert state["step"] == 2 and state["input"]["channels"] == 1


def test_training_moves_the_parameters(_train, tmp_path):
    assert _train(tmp_path / "a", "--steps", "1", "--set", "optim.lr=1e-9") == 0
    assert _train(tmp_path / "b", "--steps", "3") == 0
    before = load_checkpoint(list_checkpoints(tmp_path / "a" / "checkpoints")[-1])["model"]
    after = load_checkpoint(list_checkpoints(tmp_path / "b" / "checkpoints")[-1])["model"]
    moved = [
        k for k in before if before[k].is_floating_point() and not torch.equal(before[k], after[k])
    ]
    assert any(k.startswith("backbone.") for k in moved) and any(
        k.startswith("projection.") for k in moved
    )


def test_killed_and_resumed_run_ends_bit_identical(_train, tmp_path):
    args = ["--steps", "4", "--set", "checkpoint_every=2", "--set", "keep_checkpoints=3"]
    assert _train(tmp_path / "whole", *args) == 0
    assert _train(tmp_path / "killed", *args) == 0
    # simulate a crash right after the step-2 checkpoint: later files never got written
    for path in list_checkpoints(tmp_path / "killed" / "checkpoints"):
        if load_checkpoint(path)["step"] > 2:
            path.unlink()
    assert _train(tmp_path / "killed", *args, "--resume", "auto") == 0

    whole = load_checkpoint(list_checkpoints(tmp_path / "whole" / "checkpoints")[-1])
    resumed = load_checkpoint(list_checkpoints(tmp_path / "killed" / "checkpoints")[-1])
    assert whole["step"] == resumed["step"] == 4
    for name, tensor in whole["model"].items():
        assert torch.equal(tensor, resumed["model"][name]), name
    rows = (tmp_path / "killed" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["step"] for r in rows] == [1, 2, 3, 4]


def test_resume_auto_without_checkpoint_starts_fresh_and_never_overwrites(_train, tmp_path, capsys):
    assert _train(tmp_path, "--steps", "1", "--resume", "auto") == 0
    assert _train(tmp_path, "--steps", "1") == 1
    assert "already holds checkpoints" in capsys.readouterr().err


def test_resume_with_different_settings_is_refused(_train, tmp_path, capsys):
    assert _train(tmp_path, "--steps", "1") == 0
    assert _train(tmp_path, "--steps", "2", "--resume", "auto", "--set", "temperature=0.1") == 1
    assert "different settings (temperature)" in capsys.readouterr().err
