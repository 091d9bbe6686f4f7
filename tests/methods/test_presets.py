"""Every preset in configs/ loads and trains 2 steps through ``contrastkit train``, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from contrastkit.cli import main
from contrastkit.data import DatasetNotFoundError
from contrastkit.data.text_sources import load_text_rows
from contrastkit.tasks.images.methods import METHODS
from contrastkit.tasks.interactions.task import METHODS as INTERACTIONS_METHODS
from contrastkit.tasks.series.task import METHODS as SERIES_METHODS
from contrastkit.tasks.text.methods import METHODS as TEXT_METHODS
from contrastkit.tasks.video.task import METHODS as VIDEO_METHODS
from contrastkit.tasks.words.task import METHODS as WORDS_METHODS

CONFIGS = sorted((Path(__file__).parents[2] / "configs").glob("*.yaml"))
IMAGE_CONFIGS = [p for p in CONFIGS if yaml.safe_load(p.read_text())["method"] in METHODS]
TEXT_CONFIGS = [p for p in CONFIGS if yaml.safe_load(p.read_text())["method"] in TEXT_METHODS]
TINY = [
    "--set", "data.max_samples=64",
    "--set", "optim.batch_size=16",
    "--set", "model.projection_hidden=32",
    "--set", "model.projection_dim=16",
    "--device", "cpu",
    "--quiet",
]  # fmt: skip


def test_there_is_a_preset_per_method():
    presets = {yaml.safe_load(p.read_text())["method"] for p in CONFIGS}
    tasks = (
        METHODS,
        TEXT_METHODS,
        SERIES_METHODS,
        VIDEO_METHODS,
        WORDS_METHODS,
        INTERACTIONS_METHODS,
    )
    assert presets == set().union(*tasks)


def _train_two_steps(path: Path, out: Path, options: list[str]) -> dict:
    assert main(["train", "--config", str(path), "--steps", "2", "--out", str(out), *options]) == 0
    saved = json.loads((out / "config.json").read_text())
    preset = yaml.safe_load(path.read_text())
    assert saved["method"] == preset["method"] and saved["steps"] == 2
    return saved


@pytest.mark.usefixtures("fashion_mnist_available")
@pytest.mark.parametrize("path", IMAGE_CONFIGS, ids=lambda p: p.stem)
def test_image_preset_trains_two_steps(path, tmp_path):
    saved = _train_two_steps(path, tmp_path / path.stem, TINY)
    assert saved["method_options"] == yaml.safe_load(path.read_text()).get("method_options", {})


@pytest.mark.parametrize("path", TEXT_CONFIGS, ids=lambda p: p.stem)
def test_text_preset_trains_two_steps(path, tmp_path, tiny_bert_dir):
    """On its own data source (STS-B, news), with the tiny BERT standing in for MiniLM."""
    tiny = [
        "--set", f"model.name={tiny_bert_dir}",
        "--set", "model.max_length=32",
        "--set", "data.max_samples=64",
        "--set", "optim.batch_size=8",
        "--device", "cpu",
        "--quiet",
    ]  # fmt: skip
    source = yaml.safe_load(path.read_text())["data"]["source"]
    try:
        load_text_rows(source)
    except DatasetNotFoundError as e:
        pytest.skip(f"{source} is not installed: {e}")
    saved = _train_two_steps(path, tmp_path / path.stem, tiny)
    assert saved["data"]["source"] == source


def test_the_series_preset_trains_two_steps(tmp_path):
    pytest.importorskip(
        "aeon", reason="the UCR/UEA files come with aeon (pip install --no-deps aeon)"
    )
    path = Path(__file__).parents[2] / "configs" / "series_contrast.yaml"
    small = ["--set", "model.hidden=8", "--set", "model.depth=2", "--device", "cpu", "--quiet"]
    saved = _train_two_steps(path, tmp_path / "series", small)
    assert saved["negatives"]["exclusion_window"] == 1000 and saved["data"]["crops_per_series"] == 4


def test_the_video_preset_trains_two_steps(tmp_path):
    pytest.importorskip("cv2", reason="the [video] extra (opencv-python-headless)")
    path = Path(__file__).parents[2] / "configs" / "video_contrast.yaml"
    small = [
        "--set", "data.frame_step=10", "--set", "data.image_size=16",
        "--set", "optim.batch_size=8", "--device", "cpu", "--quiet",
    ]  # fmt: skip
    saved = _train_two_steps(path, tmp_path / "video", small)
    assert saved["negatives"]["exclusion_window"] == 6 and saved["data"]["clip_length"] == 4


def test_the_word2vec_preset_trains_two_steps(tmp_path):
    from contrastkit.data.corpus import brown_dir

    try:
        brown_dir()
    except DatasetNotFoundError as e:
        pytest.skip(str(e))
    path = Path(__file__).parents[2] / "configs" / "word2vec.yaml"
    saved = _train_two_steps(path, tmp_path / "w2v", ["--set", "model.dim=8", "--quiet"])
    assert saved["data"]["source"] == "brown" and saved["optim"]["schedule"] == "linear"


def test_the_two_tower_preset_trains_two_steps(tmp_path):
    from contrastkit.data.interactions import load_interactions

    try:
        load_interactions("movielens")
    except (DatasetNotFoundError, ImportError) as e:
        pytest.skip(str(e))
    path = Path(__file__).parents[2] / "configs" / "two_tower.yaml"
    saved = _train_two_steps(path, tmp_path / "tt", ["--set", "model.dim=8", "--quiet"])
    assert saved["model"]["correction"] == "exact" and saved["data"]["source"] == "movielens"
