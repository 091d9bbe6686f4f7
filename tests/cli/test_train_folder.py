"""``contrastkit train`` on a folder of image files: bad files are skipped and counted, symlinks
leading outside the folder are never read, and folder mistakes end with one line."""

from __future__ import annotations

import builtins
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from contrastkit.cli import main
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint

Image = pytest.importorskip("PIL.Image")

# 12 images of 32×32 are too few for the TINY batch of 32: smaller batch, images and heads
FOLDER_ARGS = [
    "--steps", "2",
    "--set", "optim.batch_size=4",
    "--set", "data.image_size=16",
    "--set", "model.projection_hidden=32",
    "--set", "model.projection_dim=16",
]  # fmt: skip


@dataclass(frozen=True)
class Folder:
    root: Path
    corrupt: Path  # random bytes named .png, inside root
    link: Path  # a symlink inside root to `outside`
    outside: Path  # a valid PNG outside root


def _png(path: Path, seed: int) -> None:
    pixels = np.random.default_rng(seed).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


@pytest.fixture
def folder(tmp_path) -> Folder:
    """2 classes × 6 real PNGs, one corrupt .png and one symlink escaping to a real PNG."""
    root = tmp_path / "images"
    for c, name in enumerate(("cats", "dogs")):
        (root / name).mkdir(parents=True)
        for i in range(6):
            _png(root / name / f"{i}.png", seed=10 * c + i)
    corrupt = root / "cats" / "corrupt.png"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 256, 512, dtype=np.uint8).tobytes())
    # a readable image, so following the link would silently add a 13th image
    outside = tmp_path / "outside" / "secret.png"
    outside.parent.mkdir()
    _png(outside, seed=99)
    link = root / "dogs" / "link.png"
    link.symlink_to(outside)
    return Folder(root, corrupt, link, outside)


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every path opened through ``open`` or ``os.open`` while the test runs."""
    paths: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file, *args, **kwargs):
        if isinstance(file, str | bytes | os.PathLike):
            paths.append(os.fsdecode(file))
        return real_open(file, *args, **kwargs)

    def spy_os_open(path, *args, **kwargs):
        paths.append(os.fsdecode(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    return paths


def _train(folder: Folder, out: Path, tiny: list[str], *extra: str) -> int:
    args = ["train", "--data", f"folder:{folder.root}", "--out", str(out), *tiny]
    return main([*args, *FOLDER_ARGS, *extra])


def _stderr_lines(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


def test_corrupt_file_is_skipped_and_counted_and_the_escaping_link_never_read(
    folder, tmp_path, tiny, opened, capsys
):
    assert _train(folder, tmp_path / "run", tiny, "--set", "data.on_error=skip") == 0

    state = load_checkpoint(list_checkpoints(tmp_path / "run" / "checkpoints")[-1])
    assert state["step"] == 2 and state["input"]["channels"] == 3
    assert state["data"] == {
        "source": f"folder:{folder.root}",
        "images": 12,  # 13 if the link had been followed
        "skipped": 1,
        "escaped": 1,
    }
    warnings = [line for line in _stderr_lines(capsys) if line.startswith("warning: ")]
    assert len(warnings) == 1, warnings
    assert "skipped 1 unreadable image file" in warnings[0] and str(folder.corrupt) in warnings[0]
    assert "ignored 1 symlink(s) leading outside" in warnings[0]

    # the dataset opens resolved paths
    assert os.path.realpath(folder.root / "cats" / "0.png") in opened  # the spy sees the reads
    assert os.path.realpath(folder.corrupt) in opened  # tried, then skipped
    for never in (folder.outside, folder.link):
        assert not [p for p in opened if Path(p).name == never.name], never


def test_on_error_raise_exits_with_one_line_naming_the_file(folder, tmp_path, tiny, capsys):
    code = _train(folder, tmp_path / "run", tiny)  # "raise" is the default
    assert code != 0
    lines = _stderr_lines(capsys)
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: cannot read image") and str(folder.corrupt) in lines[0]
    assert "--set data.on_error=skip" in lines[0]  # what to do, in CLI terms
    assert not list_checkpoints(tmp_path / "run" / "checkpoints")


def test_empty_folder_exits_with_one_line_that_says_what_to_put_there(tmp_path, tiny, capsys):
    (tmp_path / "empty").mkdir()
    args = ["train", "--data", f"folder:{tmp_path / 'empty'}", "--out", str(tmp_path / "run")]
    assert main([*args, *tiny, *FOLDER_ARGS]) != 0
    lines = _stderr_lines(capsys)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: no images found under {tmp_path / 'empty'}")
    assert ".png" in lines[0] and "class sub-folders" in lines[0]


def _truncated_jpeg(path: Path) -> None:
    """A JPEG cut in half: its header is fine (the scan passes it), its pixels are not."""
    pixels = np.random.default_rng(7).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_file_that_fails_only_when_decoded_follows_on_error(tmp_path, tiny, capsys):
    root = tmp_path / "images"
    root.mkdir()
    for i in range(11):
        _png(root / f"{i:02d}.png", seed=i)
    _truncated_jpeg(root / "05-cut.jpg")
    args = [*FOLDER_ARGS[2:], "--set", "log_every=1", "--set", "checkpoint_every=3"]
    args += ["--set", "keep_checkpoints=5", "--steps", "6"]  # 3 batches of 4 an epoch: 2 epochs

    def train(out: Path, *extra: str) -> int:
        return main(["train", "--data", f"folder:{root}", "--out", str(out), *tiny, *args, *extra])

    assert train(tmp_path / "raise") == 1
    err = [line for line in _stderr_lines(capsys) if line.startswith("error: ")]
    assert (
        "cannot decode image" in err[0]
        and "05-cut.jpg" in err[0]
        and "data.on_error=skip" in err[0]
    )

    assert train(tmp_path / "whole", "--set", "data.on_error=skip") == 0
    warnings = [line for line in _stderr_lines(capsys) if "05-cut.jpg" in line]
    assert warnings and "stands in for it" in warnings[0]
    rows = [json.loads(r) for r in (tmp_path / "whole" / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["skipped_files"] == 1.0 and all(math.isfinite(r["loss"]) for r in rows)

    # killed after the step-3 checkpoint and resumed: exact around the stood-in file
    assert train(tmp_path / "killed", "--set", "data.on_error=skip") == 0
    for path in list_checkpoints(tmp_path / "killed" / "checkpoints"):
        if load_checkpoint(path)["step"] > 3:
            path.unlink()
    assert train(tmp_path / "killed", "--set", "data.on_error=skip", "--resume", "auto") == 0
    whole = load_checkpoint(list_checkpoints(tmp_path / "whole" / "checkpoints")[-1])["model"]
    resumed = load_checkpoint(list_checkpoints(tmp_path / "killed" / "checkpoints")[-1])["model"]
    assert all(torch.equal(t, resumed[k]) for k, t in whole.items())
