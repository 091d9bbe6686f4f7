"""Crash-exact resume: a real ``contrastkit train`` process killed with SIGKILL and continued
with ``--resume auto`` ends exactly where an uninterrupted run ends, for SimCLR, MoCo v2
(queue), BYOL (EMA target), SwAV (prototypes and a queue that joins Sinkhorn mid-run), DINO
(teacher and centre) and text ``pairs``.

One chain of kills per method, 3 batches an epoch, a checkpoint every 2 steps, 8 steps:

1. killed before micro-batch 5, mid-epoch: step 5 is trained and logged but only step 4's
   checkpoint (epoch 1, batch 1) exists, so step 5 is done again;
2. killed before the first micro-batch of that resume, before anything changes;
3. killed before micro-batch 7: the newest checkpoint (step 6) sits on the epoch's last step,
   so the resume starts at an epoch boundary;
4. resumed to the end.

Compared with the uninterrupted run: every micro-batch drawn (sample ids and a digest of the
augmented views or tokens, re-drawn batches included), every tensor and value of the final
checkpoint (model, optimiser, scaler, RNG states, position), and ``metrics.jsonl`` (each step
once, the same losses).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint
from text.text_fakes import write_triplets_jsonl

DRIVER = Path(__file__).with_name("crashing_train.py")
STEPS = 8
KILLS = [5, 4, 7]  # before these micro-batches; see the module docstring
COMMON = ["-q", "--set", "log_every=1", "--set", "keep_checkpoints=2", "--set", "device=cpu"]
WALL_CLOCK = {"samples_per_second", "data_share"}  # logged values a rerun cannot reproduce
CHAIN = ["--steps", str(STEPS), "--set", "checkpoint_every=2"]
IMAGE = ["--set", "optim.batch_size=16", "--set", "model.backbone=mlp"]
IMAGE += ["--set", "model.projection_hidden=32", "--set", "model.projection_dim=16"]
EMA = ["--set", "method_options.base_momentum=0.9"]
METHODS: dict[str, list[str]] = {
    "simclr": [],
    "moco_v2": [*EMA, "--set", "method_options.queue_size=24"],
    "byol": [*EMA, "--set", "method_options.predictor_hidden=16"],
    "swav": [
        "--set", "method_options.n_prototypes=10",
        "--set", "method_options.queue_length=16",
        "--set", "method_options.queue_start_step=3",
    ],
    "dino": [*EMA, "--set", "method_options.out_dim=24"],
}  # fmt: skip


@pytest.fixture(scope="module")
def folder_source(tmp_path_factory) -> str:
    """47 PNGs and a JPEG cut in half (passes the scan, fails to decode): 3 batches of 16."""
    image = pytest.importorskip("PIL.Image")
    root = tmp_path_factory.mktemp("folder")
    rng = np.random.default_rng(1)
    for i in range(47):
        image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(
            root / f"{i:02d}.png"
        )
    cut = root / "30-cut.jpg"
    image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(cut, quality=95)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    return f"folder:{root}"


def _arguments(
    method: str, sources: dict[str, str], tiny_bert_dir: Path, tmp_path: Path
) -> list[str]:
    if method == "pairs":  # 21 rows: 3 batches of 7 an epoch
        source = write_triplets_jsonl(tmp_path / "rows.jsonl")
        text = ["--set", f"model.name={tiny_bert_dir}", "--set", "optim.batch_size=7"]
        return ["--method", "pairs", "--data", source, *text, "--set", "eval.sts_split=null"]
    if method == "simclr_folder":  # decoded by a DataLoader, one file stood in for
        folder = ["--set", "data.image_size=16", "--set", "data.on_error=skip"]
        return ["--method", "simclr", "--data", sources["folder"], *IMAGE, *folder]
    return ["--method", method, "--data", sources["npz"], *IMAGE, *METHODS[method]]


def _train(out: Path, log: Path, kill_before: int, arguments: list[str]) -> int:
    command = [sys.executable, str(DRIVER), str(log), str(kill_before), "--"]
    command += ["train", "--out", str(out), "--resume", "auto", *arguments, *COMMON]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"train exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.returncode


def _drawn(log: Path) -> list[tuple[int, str]]:
    """(position, "digest ids") for every micro-batch drawn, in the order drawn."""
    lines = [line.split(" ", 1) for line in log.read_text().splitlines()]
    return [(int(position), rest) for position, rest in lines]


def _equal(a: Any, b: Any, where: str = "checkpoint") -> None:
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype, where
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a.keys() - WALL_CLOCK:
            _equal(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _equal(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


@pytest.mark.parametrize("method", [*METHODS, "simclr_folder", "pairs"])
def test_sigkilled_and_resumed_run_ends_exactly_as_an_uninterrupted_one(
    method, tiny_npz_source, folder_source, tiny_bert_dir, tmp_path
):
    sources = {"npz": tiny_npz_source, "folder": folder_source}
    arguments = [*_arguments(method, sources, tiny_bert_dir, tmp_path), *CHAIN]
    assert _train(tmp_path / "whole", tmp_path / "whole.log", -1, arguments) == 0
    kills = [_train(tmp_path / "killed", tmp_path / "killed.log", k, arguments) for k in KILLS]
    assert kills == [-signal.SIGKILL] * len(KILLS)  # each was killed, none finished early
    assert _train(tmp_path / "killed", tmp_path / "killed.log", -1, arguments) == 0

    whole = _drawn(tmp_path / "whole.log")
    assert [p for p, _ in whole] == list(range(STEPS))
    drawn = _drawn(tmp_path / "killed.log")
    # 0-4; 4 again (step 5 redone), killed at once; 4-6; 6 again, 7: resumed at the boundary
    assert [p for p, _ in drawn] == [0, 1, 2, 3, 4, 4, 5, 6, 6, 7]
    expected = dict(whole)
    for position, batch in drawn:
        assert batch == expected[position], f"micro-batch {position} differs"

    final = [
        load_checkpoint(list_checkpoints(d / "checkpoints")[-1])
        for d in (tmp_path / "whole", tmp_path / "killed")
    ]
    assert final[0]["step"] == final[1]["step"] == STEPS
    _equal(final[0], final[1])

    rows = [
        [json.loads(r) for r in (tmp_path / d / "metrics.jsonl").read_text().splitlines()]
        for d in ("whole", "killed")
    ]
    assert [r["step"] for r in rows[1]] == list(range(1, STEPS + 1))
    assert [r["loss"] for r in rows[1]] == [r["loss"] for r in rows[0]]


@pytest.mark.slow
@pytest.mark.parametrize("method", ["moco_v2", "simclr_folder"])
def test_killed_at_random_instants_until_done_ends_exactly_as_an_uninterrupted_one(
    method, tiny_npz_source, folder_source, tiny_bert_dir, tmp_path
):
    """SIGKILL from outside at random moments (mid-step, mid-checkpoint-write, mid-start-up),
    each time resumed, until a run reaches its last step: the same final checkpoint."""
    sources = {"npz": tiny_npz_source, "folder": folder_source}
    arguments = _arguments(method, sources, tiny_bert_dir, tmp_path)
    arguments = [*arguments, "--steps", "400", "--set", "checkpoint_every=3"]
    assert _train(tmp_path / "whole", tmp_path / "whole.log", -1, arguments) == 0

    command = [sys.executable, str(DRIVER), str(tmp_path / "killed.log"), "-1", "--", "train"]
    command += ["--out", str(tmp_path / "killed"), "--resume", "auto", *arguments, *COMMON]
    rng, kills = np.random.default_rng(0), 0
    for _ in range(100):
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        try:
            _, stderr = process.communicate(timeout=float(rng.uniform(2.0, 6.0)))
            assert process.returncode == 0, stderr[-3000:]
            break
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.communicate()
            kills += 1
    assert kills >= 3  # killed often enough to mean something

    final = [
        load_checkpoint(list_checkpoints(tmp_path / d / "checkpoints")[-1])
        for d in ("whole", "killed")
    ]
    _equal(final[0], final[1])
    drawn, expected = _drawn(tmp_path / "killed.log"), dict(_drawn(tmp_path / "whole.log"))
    assert {p for p, _ in drawn} == set(expected)
    assert all(batch == expected[p] for p, batch in drawn)
    steps = [json.loads(r)["step"] for r in (tmp_path / "killed" / "metrics.jsonl").open()]
    assert steps == list(range(1, 401))
