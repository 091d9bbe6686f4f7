"""A text run through the engine (tasks/text): its directory, exact resume, reopening it, and
the configuration errors a text run owes the user (one line, naming the setting)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from contrastkit.api import open_run, train
from contrastkit.engine import run as engine_run
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint
from contrastkit.engine.config import ConfigError
from contrastkit.tasks import load_config, task_of_run
from contrastkit.tasks.images.config import ImageConfig
from contrastkit.tasks.text.config import TextConfig
from contrastkit.text import TextEncoder
from text.text_fakes import FIELDS, TRIPLETS, write_triplets_jsonl

TEXTS = [t[0] for t in TRIPLETS]


def _config(tiny_bert_dir: Path, source: str, *overrides: str) -> TextConfig:
    cfg = load_config(
        overrides=[
            "method=pairs",
            f"data.source={source}",
            f"model.name={tiny_bert_dir}",
            "optim.batch_size=8",  # 21 rows: 2 batches an epoch, so 4 steps cross an epoch
            "optim.lr=1e-3",
            "steps=2",
            "log_every=1",
            "device=cpu",
            "eval.sts_split=null",
            *overrides,
        ]
    )
    assert isinstance(cfg, TextConfig)
    return cfg


@pytest.fixture
def source(tmp_path: Path) -> str:
    return write_triplets_jsonl(tmp_path / "rows.jsonl")


def test_two_steps_write_a_complete_run_directory(tiny_bert_dir, source, tmp_path):
    run = tmp_path / "run"
    result = train(_config(tiny_bert_dir, source), out=run, progress=False)
    assert result.steps == 2
    assert json.loads((run / "config.json").read_text())["method"] == "pairs"
    rows = [json.loads(r) for r in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    state = load_checkpoint(list_checkpoints(run / "checkpoints")[-1])
    assert state["step"] == 2
    assert state["data"] == {"source": source, "rows": len(TRIPLETS), "columns": list(FIELDS)}


def test_killed_and_resumed_run_ends_bit_identical(tiny_bert_dir, source, tmp_path):
    cfg = _config(tiny_bert_dir, source, "steps=4", "checkpoint_every=2", "keep_checkpoints=3")
    train(cfg, out=tmp_path / "whole", progress=False)
    train(cfg, out=tmp_path / "killed", progress=False)
    # a crash right after the step-2 checkpoint: later files never got written
    for path in list_checkpoints(tmp_path / "killed" / "checkpoints"):
        if load_checkpoint(path)["step"] > 2:
            path.unlink()
    train(cfg, out=tmp_path / "killed", resume="auto", progress=False)

    whole = load_checkpoint(list_checkpoints(tmp_path / "whole" / "checkpoints")[-1])
    resumed = load_checkpoint(list_checkpoints(tmp_path / "killed" / "checkpoints")[-1])
    assert whole["step"] == resumed["step"] == 4
    assert whole["epoch"] == resumed["epoch"] == 1
    for name, tensor in whole["model"].items():
        assert torch.equal(tensor, resumed["model"][name]), name
    rows = (tmp_path / "killed" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(r)["step"] for r in rows] == [1, 2, 3, 4]


def test_load_trained_text_embeds_like_the_trained_encoder(
    tiny_bert_dir, source, tmp_path, monkeypatch
):
    trained_methods, loop = [], engine_run.train

    def keep_method(method, *args, **kwargs):
        trained_methods.append(method)
        return loop(method, *args, **kwargs)

    monkeypatch.setattr(engine_run, "train", keep_method)
    train(_config(tiny_bert_dir, source), out=tmp_path / "run", progress=False)
    (method,) = trained_methods

    loaded = open_run(tmp_path / "run")
    assert loaded.step == 2 and not loaded.method.training and loaded.task.name == "text"
    assert loaded.config == _config(tiny_bert_dir, source)
    ours = loaded.encoder().encode(TEXTS)
    assert torch.equal(ours, method.encoder.encode(TEXTS))
    untrained = TextEncoder.from_pretrained(tiny_bert_dir).encode(TEXTS)
    assert not torch.allclose(ours, untrained)


def test_the_run_records_its_task(tiny_bert_dir, source, tmp_path):
    train(_config(tiny_bert_dir, source), out=tmp_path / "text", progress=False)
    assert json.loads((tmp_path / "text" / "config.json").read_text())["task"] == "text"
    assert task_of_run(tmp_path / "text").name == "text"
    (tmp_path / "image").mkdir()
    (tmp_path / "image" / "config.json").write_text(ImageConfig().model_dump_json())
    assert task_of_run(tmp_path / "image").name == "images"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        task_of_run(tmp_path / "missing")


def test_simcse_on_two_columns_names_data_columns(tiny_bert_dir, tmp_path):
    pairs = write_triplets_jsonl(tmp_path / "pairs.jsonl", ("query", "positive"))
    cfg = _config(tiny_bert_dir, pairs, "method=simcse")
    with pytest.raises(ConfigError, match=r"data\.columns") as error:
        train(cfg, out=tmp_path / "run", progress=False)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "run").exists()


def test_pairs_on_one_column_is_refused(tiny_bert_dir, tmp_path):
    queries = write_triplets_jsonl(tmp_path / "queries.jsonl", ("query",))
    with pytest.raises(ConfigError, match="pairs needs"):
        train(_config(tiny_bert_dir, queries), out=tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_an_image_setting_is_unknown_to_a_text_run():
    with pytest.raises(ConfigError) as error:
        load_config(overrides=["method=pairs", "model.backbone=x"])
    message = str(error.value)
    assert "\n" not in message and "'model.backbone'" in message
    for setting in ("name", "pooling", "max_length", "projection_dim"):
        assert setting in message


def test_symmetric_is_refused_for_simcse_when_the_config_loads():
    # at load time, before any data is read or the run directory is written
    with pytest.raises(ConfigError, match="symmetric applies to the pairs method only") as error:
        load_config(overrides=["method=simcse", "symmetric=true"])
    assert "\n" not in str(error.value)
    cfg = load_config(overrides=["method=pairs", "symmetric=true"])
    assert isinstance(cfg, TextConfig) and cfg.symmetric


def test_image_configs_are_unaffected():
    assert load_config() == ImageConfig()
    cfg = load_config(overrides=["method=simclr", "model.backbone=resnet18"])
    assert type(cfg) is ImageConfig and cfg.model.backbone == "resnet18"
