"""One writer per run directory (engine/lock.py): a second ``train`` on the same ``--out`` is
refused in one line naming the holder; a lock left by a dead process is taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from contrastkit.cli import main
from contrastkit.engine.lock import LOCK

pytestmark = pytest.mark.usefixtures("fashion_mnist_available")

TINY = [
    "--data", "fashion-mnist", "--set", "data.max_samples=64", "--set", "optim.batch_size=32",
    "--set", "model.backbone_options.width=4", "--set", "monitor.every=0", "--device", "cpu", "-q",
]  # fmt: skip


def test_a_second_writer_is_refused_while_the_first_trains(tmp_path, capsys):
    out = tmp_path / "run"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "contrastkit",
            "train",
            *TINY,
            "--steps",
            "100000",
            "--out",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / "config.json").exists():  # the first one holds the lock and trains
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        assert main(["train", *TINY, "--steps", "2", "--out", str(out)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert f"is being written by pid {first.pid} on {socket.gethostname()}" in err[0]
        assert json.loads((out / "config.json").read_text())["steps"] == 100000  # untouched
    finally:
        first.kill()
        first.wait()


def test_a_stale_lock_is_taken_over(tmp_path, caplog):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    out = tmp_path / "run"
    out.mkdir()
    holder = {"pid": int(gone.stdout), "host": socket.gethostname(), "started": 0}
    (out / LOCK).write_text(json.dumps(holder))
    assert main(["train", *TINY, "--steps", "2", "--out", str(out)]) == 0
    assert "taking over the stale lock" in caplog.text
    assert not (out / LOCK).exists()  # released at the end


def test_a_live_lock_of_this_process_is_respected(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / LOCK).write_text(
        json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": 0})
    )
    assert main(["train", *TINY, "--steps", "2", "--out", str(out)]) == 1
    assert f"pid {os.getpid()}" in capsys.readouterr().err
    assert not (out / "checkpoints").exists()


def test_a_run_that_fails_before_writing_leaves_no_directory(tmp_path):
    out = tmp_path / "run"
    assert (
        main(["train", *TINY, "--steps", "2", "--set", "data.max_samples=8", "--out", str(out)])
        == 1
    )
    assert not out.exists()  # 8 images cannot fill a batch of 32: nothing was written
