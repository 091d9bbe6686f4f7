import os

import pytest
import torch

from contrastkit.engine import checkpoint as ckpt


def _state(step):
    return {"model": {"w": torch.full((3,), float(step))}, "step": step, "config": "{}"}


def test_round_trip_loads_with_weights_only(tmp_path):
    path = ckpt.save_checkpoint(_state(7), tmp_path, 7)
    loaded = torch.load(path, weights_only=True)
    assert loaded["step"] == 7 and torch.equal(loaded["model"]["w"], torch.full((3,), 7.0))


def test_keeps_only_the_newest_and_no_temporary_files(tmp_path):
    for step in (1, 2, 3, 4):
        ckpt.save_checkpoint(_state(step), tmp_path, step, keep=2)
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == [
        "checkpoint-00000003.pt",
        "checkpoint-00000004.pt",
    ]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint-00000003.pt", "checkpoint-00000004.pt"]


def test_latest_skips_a_corrupt_newest_checkpoint(tmp_path):
    ckpt.save_checkpoint(_state(1), tmp_path, 1)
    ckpt.checkpoint_path(tmp_path, 2).write_bytes(b"truncated")
    assert ckpt.load_latest(tmp_path)["step"] == 1


def test_latest_of_empty_or_missing_directory_is_none(tmp_path):
    assert ckpt.load_latest(tmp_path / "nope") is None
    assert ckpt.load_latest(tmp_path) is None


def test_failed_write_raises_and_keeps_the_previous_checkpoint(tmp_path):
    ckpt.save_checkpoint(_state(1), tmp_path, 1)
    with pytest.raises(ckpt.CheckpointError, match="could not write"):
        ckpt.save_checkpoint({"bad": lambda: 0}, tmp_path, 2)  # unpicklable
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint-00000001.pt"]
    assert ckpt.load_latest(tmp_path)["step"] == 1
