"""Collapse rules (engine/collapse.py) on synthetic and measured metric histories, and the
detector on real short Fashion-MNIST runs through the CLI."""

from __future__ import annotations

import json
import math

import pytest

from contrastkit.cli import main
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint
from contrastkit.engine.collapse import (
    ProbeShape,
    aligned_collapse,
    complete_collapse,
    detect_collapse,
    dimensional_collapse,
)

D32 = ProbeShape(rows=64, dim=32)  # the tiny runs: batch 32, projection_dim 32


def rows(**series: list[float]) -> list[dict[str, float]]:
    """Probe rows at steps 8, 16, ... from per-key series (healthy defaults elsewhere)."""
    n = len(next(iter(series.values())))
    healthy = {
        "probe_std_normalized": 0.95 / math.sqrt(32),
        "probe_effective_rank": 10.0,
        "probe_uniformity": -2.2,
        "probe_alignment": 0.5,
    }
    return [
        {"step": 8.0 * (i + 1), **healthy, **{k: v[i] for k, v in series.items()}} for i in range(n)
    ]


# --- complete collapse: std of normalised rows × √D


def test_complete_collapse_fires_when_spread_is_tiny_for_patience_checks():
    history = rows(probe_std_normalized=[0.9 / math.sqrt(32)] + [0.02 / math.sqrt(32)] * 3)
    found = complete_collapse(history, D32, patience=3)
    assert found is not None and found.kind == "complete" and found.step == 32
    assert "complete collapse at step 32" in found.message and "Try:" in found.message


def test_complete_collapse_needs_every_one_of_the_last_checks():
    low = 0.02 / math.sqrt(32)
    assert complete_collapse(rows(probe_std_normalized=[low, 0.5, low]), D32) is None
    assert complete_collapse(rows(probe_std_normalized=[low, low]), D32) is None  # too few


def test_healthy_spread_never_fires_complete_collapse():
    assert complete_collapse(rows(probe_std_normalized=[0.49 / math.sqrt(32)] * 5), D32) is None


# --- dimensional collapse: effective rank and uniformity together


def test_dimensional_collapse_fires_on_low_rank_and_poor_uniformity():
    history = rows(probe_effective_rank=[4.4, 4.2, 3.6], probe_uniformity=[-1.47, -1.31, -1.2])
    found = dimensional_collapse(history, D32)
    assert found is not None and found.kind == "dimensional" and found.step == 24
    assert "3.6 of their 32 dimensions" in found.message


@pytest.mark.parametrize(
    ("rank", "uniformity"),
    [([3.6] * 3, [-2.0] * 3), ([8.0] * 3, [-1.2] * 3), ([3.6, 6.0, 3.6], [-1.2] * 3)],
    ids=["uniform-enough", "rank-high-enough", "one-healthy-check"],
)
def test_dimensional_collapse_needs_both_signals_on_every_check(rank, uniformity):
    assert (
        dimensional_collapse(rows(probe_effective_rank=rank, probe_uniformity=uniformity), D32)
        is None
    )


def test_the_rank_bound_shrinks_with_tiny_dimensions():
    history = rows(probe_effective_rank=[3.0] * 3, probe_uniformity=[-1.0] * 3)
    assert dimensional_collapse(history, ProbeShape(rows=64, dim=8)) is None  # bound 2
    assert dimensional_collapse(history, ProbeShape(rows=64, dim=128)) is not None  # bound 5


# measured probe histories (module docstring of engine/collapse.py), every 16 steps from 16
MEASURED = {
    "simsiam-no-predictor": ([9.7, 8.2, 7.5, 5.8, 4.8, 4.3, 3.8, 3.7], [-1.86, -1.78, -1.36, -1.24, -1.13, -1.18, -1.09, -1.07]),
    "simclr-tau-50": ([6.0, 5.8, 5.3, 4.2, 3.7, 3.6, 3.4, 3.3], [-1.55, -1.61, -1.45, -1.42, -1.25, -1.30, -1.27, -1.24]),
    "simclr": ([10.5, 10.7, 10.6, 11.3, 10.6, 10.7, 11.0, 11.2], [-2.35, -2.24, -2.30, -2.35, -2.55, -2.53, -2.57, -2.60]),
    "moco-v2": ([5.2, 6.2, 6.3, 6.8, 7.1, 6.9, 7.0, 7.3], [-1.19, -1.52, -1.61, -1.82, -1.82, -1.83, -2.01, -2.04]),
    "byol": ([9.2, 8.2, 7.5, 7.7, 8.4, 9.2, 9.2, 9.0], [-1.55, -1.60, -1.60, -1.62, -1.70, -1.81, -1.70, -1.77]),
}  # fmt: skip


@pytest.mark.parametrize(
    ("run", "first_flag"),
    [("simsiam-no-predictor", 7), ("simclr-tau-50", 6), ("simclr", None), ("moco-v2", None), ("byol", None)],
)  # fmt: skip
def test_measured_runs_are_flagged_exactly_when_collapsing(run, first_flag):
    rank, uniformity = MEASURED[run]
    history = rows(probe_effective_rank=rank, probe_uniformity=uniformity)
    flags = [detect_collapse(history[: i + 1], D32) is not None for i in range(len(history))]
    assert (flags.index(True) + 1 if any(flags) else None) == first_flag


# --- aligned collapse: the loss pinned at its floor


def test_aligned_collapse_fires_when_views_coincide_and_images_crowd():
    found = aligned_collapse(rows(probe_alignment=[0.01] * 3, probe_uniformity=[-1.0] * 3), D32)
    assert found is not None and found.kind == "aligned" and "pinned at its floor" in found.message


def test_perfect_alignment_with_good_uniformity_is_not_collapse():
    assert (
        aligned_collapse(rows(probe_alignment=[0.01] * 3, probe_uniformity=[-2.5] * 3), D32) is None
    )


# --- the detector and its advice


def test_detector_reports_the_first_rule_that_fires():
    history = rows(
        probe_std_normalized=[0.01] * 3, probe_effective_rank=[1.0] * 3, probe_uniformity=[-0.1] * 3
    )
    found = detect_collapse(history, D32)
    assert found is not None and found.kind == "complete"


def test_a_high_temperature_is_named_in_the_advice():
    history = rows(
        probe_effective_rank=[3.0] * 3, probe_uniformity=[-1.2] * 3, temperature=[50.0] * 3
    )
    found = detect_collapse(history, D32)
    assert found is not None and "lower the temperature (τ = 50" in found.message


def test_rules_need_the_metrics_and_a_positive_patience():
    assert detect_collapse([{"step": 1.0, "loss": 0.1}] * 5, D32) is None
    with pytest.raises(ValueError, match="patience"):
        detect_collapse(rows(probe_effective_rank=[1.0]), D32, patience=0)


# --- real short runs on Fashion-MNIST (a few hundred images, batch 32, 8 steps per epoch)

# constant learning rate: under the default cosine decay a 100-step run stops collapsing
# half-way, at the edge of the thresholds
TINY_RUN = [
    "--data", "fashion-mnist",
    "--set", "data.max_samples=256",
    "--set", "optim.batch_size=32",
    "--set", "model.projection_hidden=64",
    "--set", "model.projection_dim=32",
    "--set", "optim.lr=4e-3",
    "--set", "optim.final_lr=4e-3",
    "--set", "log_every=1000",
    "--set", "monitor.every=8",
    "--device", "cpu",
    "--quiet",
]  # fmt: skip


def metric_rows(run_dir) -> list[dict]:
    return [json.loads(r) for r in (run_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.usefixtures("fashion_mnist_available")
def test_simsiam_without_predictor_is_flagged_and_stopped_within_ten_epochs(tmp_path, capsys):
    args = ["--method", "simsiam", "--set", "method_options.predictor=false"]
    stop = ["--set", "monitor.stop_on_collapse=true", "--set", "checkpoint_every=1000"]
    assert main(["train", "--out", str(tmp_path), *TINY_RUN, *args, *stop, "--steps", "160"]) == 0
    err = capsys.readouterr().err
    assert "warning: stopping (monitor.stop_on_collapse): dimensional collapse at step" in err
    assert "Try:" in err and "method_options.predictor=true" in err
    flagged = [r["step"] for r in metric_rows(tmp_path) if r.get("collapse") == 1.0]
    assert flagged and flagged[0] <= 80  # 10 epochs of 8 steps
    last = list_checkpoints(tmp_path / "checkpoints")[-1]  # written at the stop
    assert load_checkpoint(last)["step"] == flagged[0] < 160


@pytest.mark.usefixtures("fashion_mnist_available")
def test_healthy_simclr_is_not_flagged(tmp_path, capsys):
    assert (
        main(["train", "--out", str(tmp_path), *TINY_RUN, "--method", "simclr", "--steps", "96"])
        == 0
    )
    assert "collapse" not in capsys.readouterr().err
    probes = [r for r in metric_rows(tmp_path) if "collapse" in r]
    assert len(probes) == 12 and not any(r["collapse"] for r in probes)
    assert all(r["probe_top1"] > 1 / 32 and r["temperature"] == 0.5 for r in probes)
