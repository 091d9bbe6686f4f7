"""Metrics go to the trackers a run names (engine/trackers.py): MLflow's file store and W&B's
offline files hold what metrics.jsonl holds, and a resumed run continues the same run."""

from __future__ import annotations

import json

import pytest
from loop_cases import tiny_run

from contrastkit.engine.config import ConfigError
from contrastkit.engine.metrics_log import read_metrics

LOGGED = ("log_every=1", "checkpoint_every=2")


def test_mlflow_holds_every_row_and_a_resume_continues_its_run(tmp_path):
    mlflow = pytest.importorskip("mlflow", reason="the [mlflow] extra is not installed")
    tiny_run(tmp_path, steps=2, settings=("trackers=[mlflow]", *LOGGED))
    first_id = (tmp_path / "mlflow_run_id").read_text().strip()
    from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint

    state = load_checkpoint(list_checkpoints(tmp_path / "checkpoints")[-1])
    tiny_run(tmp_path, steps=4, settings=("trackers=[mlflow]", *LOGGED), resume=state)
    assert (tmp_path / "mlflow_run_id").read_text().strip() == first_id

    client = mlflow.MlflowClient(tracking_uri=(tmp_path / "mlruns").resolve().as_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("contrastkit").experiment_id])
    assert run.info.run_id == first_id and run.info.status == "FINISHED"
    rows = read_metrics(tmp_path)
    history = client.get_metric_history(first_id, "loss")
    assert [m.step for m in history] == [r["step"] for r in rows] == [1, 2, 3, 4]
    assert [m.value for m in history] == pytest.approx([r["loss"] for r in rows])
    assert json.loads(run.data.params["optim.batch_size"]) == 8


def test_wandb_offline_run_records_every_row(tmp_path):
    pytest.importorskip("wandb", reason="the [wandb] extra is not installed")
    tiny_run(tmp_path, steps=2, settings=("trackers=[wandb]", *LOGGED))
    (offline,) = (tmp_path / "wandb").glob("offline-run-*")
    run_id = (tmp_path / "wandb_run_id").read_text().strip()
    assert offline.name.endswith(run_id)
    # the run's log (W&B's protobuf records, read by `wandb sync`): every value as JSON text
    log = (offline / f"run-{run_id}.wandb").read_bytes()
    for row in read_metrics(tmp_path):
        for name, value in row.items():
            assert name.encode() in log and json.dumps(value).encode() in log, (name, value)
    assert b'"batch_size":8' in log  # the run's settings as its config


def test_an_unknown_tracker_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"invalid setting 'trackers\.0'"):
        tiny_run(tmp_path, steps=1, settings=("trackers=[comet]",))
