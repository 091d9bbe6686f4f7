"""Early stopping (engine/early_stop.py) on synthetic series, in the loop with best.pt, and
the validation-metric policy end to end through the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
import torch
from loop_cases import tiny_run

from contrastkit.cli import main
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint, load_latest
from contrastkit.engine.collapse import ProbeShape
from contrastkit.engine.config import ConfigError
from contrastkit.engine.early_stop import EarlyStopping
from contrastkit.engine.monitor import Monitor
from contrastkit.tasks import load_config

# uniformity deteriorates from step 5 on while alignment keeps improving
UNIFORMITY = [-1.0, -1.5, -2.0, -2.2, -2.1, -2.0, -1.9, -1.8, -1.7, -1.6]
ALIGNMENT = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]


def run_series(stopper: EarlyStopping, values: list[float]) -> tuple[list[int], int | None]:
    """Feed ``values`` at steps 1, 2, ...: the steps that improved and the step that stopped."""
    improved, stopped = [], None
    for step, v in enumerate(values, start=1):
        verdict = stopper.update(step, v)
        if verdict.improved:
            improved.append(step)
        if verdict.stop is not None:
            stopped = step
            break
    return improved, stopped


def test_uniformity_policy_stops_after_patience_checks_of_deterioration():
    stopper = EarlyStopping("probe_uniformity", mode="min", patience=3)
    assert run_series(stopper, UNIFORMITY) == ([1, 2, 3, 4], 7)
    assert stopper.best == -2.2 and stopper.best_step == 4


def test_validation_policy_maximises():
    stopper = EarlyStopping("knn_accuracy", mode="max", patience=2)
    assert run_series(stopper, [0.3, 0.5, 0.6, 0.58, 0.61, 0.6, 0.59, 0.7]) == ([1, 2, 3, 5], 7)


def test_gains_within_min_delta_do_not_count_as_improvement():
    stopper = EarlyStopping("probe_uniformity", mode="min", patience=2, min_delta=0.05)
    assert run_series(stopper, [-2.0, -2.03, -2.04, -2.2]) == ([1], 3)


def test_checks_before_start_step_are_ignored():
    stopper = EarlyStopping("probe_uniformity", mode="min", patience=1, start_step=3)
    # the random-init value −3 would otherwise be a best no trained model reaches
    assert run_series(stopper, [-3.0, -1.0, -1.2, -1.5, -1.4]) == ([3, 4], 5)


def test_stop_message_names_metric_best_and_best_checkpoint():
    stopper = EarlyStopping("probe_uniformity", mode="min", patience=1)
    stopper.update(1, -2.0)
    message = stopper.update(2, -1.0).stop
    assert message is not None
    assert message.startswith("early stopping at step 2: probe_uniformity has not improved")
    assert "best -2.0000 at step 1" in message and "checkpoints/best.pt" in message


def test_state_round_trips():
    a = EarlyStopping("knn_accuracy", mode="max", patience=3)
    run_series(a, [0.5, 0.4])
    b = EarlyStopping("knn_accuracy", mode="max", patience=3)
    b.load_state_dict(a.state_dict())
    assert (b.best, b.best_step, b.bad) == (0.5, 1, 1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"patience": 0}, "patience"), ({"min_delta": -1.0}, "min_delta"), ({"mode": "up"}, "mode")],
)
def test_bad_arguments_are_refused(kwargs, match):
    args = {"mode": "min", "patience": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        EarlyStopping("probe_uniformity", **args)


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        (["early_stop.metric=knn_accuracy"], "monitor.knn_every"),
        (["early_stop.metric=probe_uniformity", "monitor.every=0"], "monitor.every > 0"),
    ],
)
def test_config_refuses_an_early_stop_metric_nobody_measures(settings, match):
    with pytest.raises(ConfigError, match=match):
        load_config(overrides=settings)


# --- in the loop: a scripted monitor replays the synthetic uniformity series


@dataclass
class Scripted(Monitor):
    """Replays ``UNIFORMITY``/``ALIGNMENT`` as the probe numbers of steps 1, 2, ..."""

    calls: list[int] = field(default_factory=list)

    def measure(self, method, out):
        i = len(self.calls)
        self.calls.append(i)
        self.shape = ProbeShape(rows=16, dim=8)
        return {
            "probe_uniformity": UNIFORMITY[i],
            "probe_alignment": ALIGNMENT[i],
            "probe_effective_rank": 6.0,
            "probe_std_normalized": 0.3,
        }


def scripted(stream) -> Scripted:
    stopper = EarlyStopping("probe_uniformity", mode="min", patience=3)
    return Scripted(None, every=1, early_stop=stopper)


def test_loop_stops_at_the_right_step_and_keeps_the_best_checkpoint(tmp_path):
    result, _ = tiny_run(tmp_path / "stopped", steps=10, monitor=scripted)
    assert result.steps == 7 and result.stopped is not None
    assert result.stopped.startswith("early stopping at step 7")
    checkpoints = tmp_path / "stopped" / "checkpoints"
    best = load_checkpoint(checkpoints / "best.pt")
    assert best["step"] == 4 and best["monitor"]["early_stop"]["best"] == -2.2
    # the last checkpoint is written at the stop; --resume auto takes it, never best.pt
    assert [p.name for p in list_checkpoints(checkpoints)] == ["checkpoint-00000007.pt"]
    assert load_latest(checkpoints)["step"] == 7
    rows = [
        json.loads(r) for r in (tmp_path / "stopped" / "metrics.jsonl").read_text().splitlines()
    ]
    assert [r["step"] for r in rows] == list(range(1, 8))

    # best.pt holds the model of step 4: the same run, unmonitored, checkpointed every step
    tiny_run(tmp_path / "whole", steps=10, settings=("checkpoint_every=1", "keep_checkpoints=10"))
    step4 = load_checkpoint(tmp_path / "whole" / "checkpoints" / "checkpoint-00000004.pt")
    for name, tensor in step4["model"].items():
        assert torch.equal(tensor, best["model"][name]), name


def test_resumed_run_keeps_the_early_stopping_state(tmp_path):
    first, _ = tiny_run(tmp_path, steps=10, monitor=scripted)
    state = load_latest(tmp_path / "checkpoints")
    monitor = scripted(None)
    monitor.calls = list(range(7))  # the series goes on where it stopped
    resumed, _ = tiny_run(tmp_path, steps=10, monitor=lambda stream: monitor, resume=state)
    # step 8 is the fourth check without improvement: the restored counter stops it again
    assert first.steps == 7 and resumed.steps == 8 and resumed.stopped is not None


# --- the validation-metric policy end to end (Fashion-MNIST, kNN on the test split)


@pytest.mark.usefixtures("fashion_mnist_available")
def test_knn_validation_metric_is_logged_and_keeps_best_checkpoint(tmp_path):
    args = [
        "train", "--data", "fashion-mnist", "--out", str(tmp_path), "--steps", "4",
        "--set", "data.max_samples=256", "--set", "optim.batch_size=32",
        "--set", "model.projection_hidden=32", "--set", "model.projection_dim=16",
        "--set", "monitor.every=2", "--set", "monitor.knn_every=2",
        "--set", "monitor.knn_samples=200", "--set", "eval.knn_k=10",
        "--set", "early_stop.metric=knn_accuracy", "--set", "early_stop.patience=5",
        "--device", "cpu", "--quiet",
    ]  # fmt: skip
    assert main(args) == 0
    rows = [json.loads(r) for r in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    knn = {r["step"]: r["knn_accuracy"] for r in rows if "knn_accuracy" in r}
    assert set(knn) == {2, 4} and all(0.1 < v <= 1 for v in knn.values())
    best = load_checkpoint(tmp_path / "checkpoints" / "best.pt")
    assert best["step"] == max(knn, key=lambda s: (knn[s], -s))  # the first best check
