"""``contrastkit train`` launched by ``torchrun --nproc-per-node 2`` for every task: it
finishes, writes one run (rank 0 logs, checkpoints and speaks), resumes under torchrun to a
longer budget, and the run exports and reopens in one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from contrastkit.cli import main
from contrastkit.encoders import load_encoder
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint

TORCHRUN = Path(sys.executable).with_name("torchrun")


def _tiny_corpus(folder: Path) -> str:
    lines = ["the cat sat on the mat and the dog sat on the log"] * 150
    lines += ["the king and the queen sat on the throne"] * 150
    (folder / "c.txt").write_text("\n".join(lines) + "\n")
    return f"corpus:{folder / 'c.txt'}"


def _tiny_interactions(folder: Path) -> str:
    rng = np.random.default_rng(0)
    rows = ["user,item,time"] + [
        f"u{u},m{i},{t}" for u in range(24) for t, i in enumerate(rng.choice(30, 5, replace=False))
    ]
    (folder / "log.csv").write_text("\n".join(rows) + "\n")
    return f"interactions:{folder / 'log.csv'}"


def _cases(folder: Path, npz: str, bert: Path) -> dict[str, list[str]]:
    from text.text_fakes import write_triplets_jsonl

    return {
        "images": ["--method", "simclr", "--data", npz, "--set", "optim.batch_size=8",
                   "--set", "model.projection_hidden=16", "--set", "model.projection_dim=8"],
        "text": ["--method", "pairs", "--data", write_triplets_jsonl(folder / "rows.jsonl"),
                 "--set", f"model.name={bert}", "--set", "optim.batch_size=4",
                 "--set", "eval.sts_split=null"],
        "series": ["--method", "series_contrast", "--data", "ucr:GunPoint", "--set", "model.hidden=8",
                   "--set", "model.depth=2", "--set", "optim.batch_size=8",
                   "--set", "data.crops_per_series=2", "--set", "negatives.exclusion_window=30"],
        "video": ["--method", "frame_contrast", "--data", "video:Megamind.avi",
                  "--set", "data.frame_step=10", "--set", "data.image_size=16",
                  "--set", "optim.batch_size=8", "--set", "negatives.exclusion_window=25",
                  "--set", "model.backbone_options={width: 4, dim: 16}"],
        "words": ["--method", "word2vec", "--data", _tiny_corpus(folder), "--set", "data.min_count=2",
                  "--set", "model.dim=8", "--set", "optim.batch_size=200"],
        "interactions": ["--method", "two_tower", "--data", _tiny_interactions(folder),
                         "--set", "model.dim=8", "--set", "optim.batch_size=16"],
    }  # fmt: skip


def _torchrun(args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [str(TORCHRUN), "--standalone", "--nproc-per-node", "2", "-m", "contrastkit", "train"]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.ddp
@pytest.mark.parametrize("task", ["images", "text", "series", "video", "words", "interactions"])
def test_torchrun_trains_resumes_and_exports(task, tmp_path, tiny_npz_source, tiny_bert_dir):
    if task == "series":
        pytest.importorskip("aeon", reason="the UCR files come with aeon")
    if task == "video":
        pytest.importorskip("cv2", reason="the [video] extra")
    args = _cases(tmp_path, tiny_npz_source, tiny_bert_dir)[task]
    run = tmp_path / "run"
    common = [*args, "--out", str(run), "--device", "cpu", "-q", "--set", "checkpoint_every=2"]
    first = _torchrun([*common, "--steps", "4"])
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.count("trained ") == 1  # rank 0 speaks for the run
    assert json.loads((run / "config.json").read_text())["task"] == task

    again = _torchrun([*common, "--steps", "6", "--resume", "auto"])
    assert again.returncode == 0, again.stderr[-3000:]
    newest = load_checkpoint(list_checkpoints(run / "checkpoints")[-1])
    assert newest["step"] == 6 and newest["world_size"] == 2
    rows = [json.loads(r)["step"] for r in (run / "metrics.jsonl").read_text().splitlines()]
    assert sorted(rows) == rows and len(rows) == len(set(rows))  # one writer, no repeats

    assert main(["export", "--run", str(run), "--out", str(tmp_path / "export")]) == 0
    assert load_encoder(tmp_path / "export").dim > 0


@pytest.mark.ddp
def test_two_nodes_on_localhost_train_as_one_node_does(tmp_path, tiny_npz_source):
    """Two torchrun commands (--nnodes 2, one process each, c10d rendezvous on localhost)
    end with the same weights as one node with two processes."""
    import socket

    args = ["--method", "simclr", "--data", tiny_npz_source, "--set", "optim.batch_size=8",
            "--set", "model.projection_hidden=16", "--set", "model.projection_dim=8",
            "--steps", "3", "--device", "cpu", "-q"]  # fmt: skip
    one = _torchrun([*args, "--out", str(tmp_path / "one")])
    assert one.returncode == 0, one.stderr[-3000:]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    nodes = [
        subprocess.Popen(
            [
                str(TORCHRUN),
                "--nnodes",
                "2",
                "--nproc-per-node",
                "1",
                "--node-rank",
                str(r),
                "--rdzv-backend",
                "c10d",
                "--rdzv-endpoint",
                f"127.0.0.1:{port}",
                "--rdzv-id",
                "ck",
                "-m",
                "contrastkit",
                "train",
                *args,
                "--out",
                str(tmp_path / "two"),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in range(2)
    ]
    for node in nodes:
        _, err = node.communicate(timeout=300)
        assert node.returncode == 0, err[-3000:]
    final = [
        load_checkpoint(list_checkpoints(tmp_path / d / "checkpoints")[-1]) for d in ("one", "two")
    ]
    assert final[1]["world_size"] == 2
    for key, value in final[0]["model"].items():
        assert torch.equal(value, final[1]["model"][key]), key
