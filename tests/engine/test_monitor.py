"""The loop's monitor (engine/monitor.py): the probe batch, its numbers, the temperature,
collapse warnings and stops, and that monitoring changes nothing in training."""

from __future__ import annotations

import io
import json
import logging
import math

import pytest
import torch
from loop_cases import tiny_run
from torch import nn

from contrastkit.engine.collapse import ProbeShape
from contrastkit.engine.early_stop import EarlyStopping
from contrastkit.engine.monitor import (
    Monitor,
    draw_probe,
    frozen_norm_statistics,
    probe_geometry,
    probe_projections,
    temperature_values,
)
from contrastkit.losses import NTXentLoss
from contrastkit.types import StepOutput, Views


class Projector(nn.Module):
    """backbone → projection with BatchNorm, and an NT-Xent criterion, like SimCLR."""

    def __init__(self, learnable: bool = False) -> None:
        super().__init__()
        self.backbone = nn.Flatten()
        self.projection = nn.Sequential(nn.Linear(12, 6), nn.BatchNorm1d(6))
        self.criterion = NTXentLoss(0.3, learnable_temperature=learnable)

    def project(self, views: Views) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.projection(self.backbone(torch.cat([views.first, views.second])))
        z1, z2 = z.chunk(2)
        return z1, z2


def probe_views(b: int = 8) -> Views:
    return Views(torch.randn(b, 3, 2, 2), torch.randn(b, 3, 2, 2))


def out_of(z1: torch.Tensor, z2: torch.Tensor) -> StepOutput:
    return StepOutput(torch.tensor(0.0), z1, z2)


# --- the probe batch and its numbers


def test_the_probe_forward_leaves_batch_norm_statistics_untouched():
    method = Projector().train()
    bn = method.projection[1]
    before = {k: v.clone() for k, v in bn.state_dict().items()}
    with frozen_norm_statistics(method):
        method.projection(method.backbone(probe_views().first))
        assert not torch.equal(bn.running_mean, before["running_mean"])  # train mode ran
    for k, v in bn.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_probe_projections_use_both_views_in_one_batch():
    method = Projector().train()
    probe = probe_views()
    z1, z2 = probe_projections(method, probe)
    z = method.projection(method.backbone(torch.cat([probe.first, probe.second]))).detach()
    torch.testing.assert_close(torch.cat([z1, z2]), z)
    assert probe_projections(nn.Linear(2, 2), probe) is None  # no project(batch)


def test_probe_geometry_closed_forms_for_identical_views():
    z = torch.eye(8)
    values = probe_geometry(z, z.clone())
    assert values["probe_alignment"] == 0.0 and values["probe_top1"] == 1.0
    assert values["probe_pos_neg_gap"] == pytest.approx(1.0)
    assert values["probe_effective_rank"] == pytest.approx(8.0, rel=1e-4)
    assert values["probe_uniformity"] == pytest.approx(math.log(math.exp(-4)))  # all at √2


def test_the_probe_batch_is_fixed_and_leaves_the_global_rng_alone(tmp_path):
    from loop_cases import CPU, tiny_data

    from contrastkit.tasks import load_config
    from contrastkit.tasks.images.build import build_stream

    stream = build_stream(load_config(overrides=["optim.batch_size=8"]), tiny_data(), CPU)
    torch.manual_seed(5)
    state = torch.get_rng_state()
    a, b = draw_probe(stream, 0, CPU), draw_probe(stream, 0, CPU)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a.first, b.first) and torch.equal(a.second, b.second)
    assert not torch.equal(a.first, a.second)  # two different augmentations
    assert not torch.equal(a.first, draw_probe(stream, 1, CPU).first)  # the seed matters


def test_monitor_falls_back_to_the_steps_own_projections_and_says_so_once(caplog):
    z1, z2 = torch.eye(4), torch.eye(4)
    monitor = Monitor(probe_views(4), every=1)
    with caplog.at_level(logging.WARNING, logger="contrastkit.engine.monitor"):
        values = monitor.measure(nn.Linear(2, 2), out_of(z1, z2))
        monitor.measure(nn.Linear(2, 2), out_of(z1, z2))
    assert values["probe_alignment"] == 0.0 and values["probe_top1"] == 1.0
    said = [r.getMessage() for r in caplog.records if "project(batch)" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("Linear has no project(batch)")


# --- the temperature


def test_temperature_values_fixed_learnable_and_none():
    assert temperature_values(Projector()) == {"temperature": 0.3}
    assert temperature_values(nn.Linear(2, 2)) == {}
    method = Projector(learnable=True)
    assert temperature_values(method) == {"temperature": pytest.approx(0.3)}  # no grad yet
    z = method.projection(method.backbone(torch.cat([probe_views().first] * 2)))
    method.criterion(*z.chunk(2)).backward()
    values = temperature_values(method)
    assert values["temperature"] == pytest.approx(0.3) and values["temperature_grad"] != 0.0


def test_a_learnable_temperature_moves_and_is_logged_in_the_loop(tmp_path):
    monitor = lambda stream: Monitor(draw_probe(stream, 0, torch.device("cpu")), every=2)  # noqa: E731
    settings = ("temperature=0.2", "learnable_temperature=true", "optim.lr=0.05")
    _, method = tiny_run(tmp_path, steps=6, monitor=monitor, settings=settings)
    rows = [json.loads(r) for r in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4, 6]
    taus = [r["temperature"] for r in rows]
    assert all("temperature_grad" in r for r in rows) and len(set(taus)) == 3
    assert taus[-1] == pytest.approx(method.criterion.learned_temperature.value)


# --- collapse warnings and stops


class Collapsing(Monitor):
    """Probe numbers of a dimensional collapse (rank 3 of 32, uniformity −1)."""

    def measure(self, method, out):
        self.shape = ProbeShape(rows=64, dim=32)
        return {
            "probe_effective_rank": 3.0,
            "probe_uniformity": -1.0,
            "probe_std_normalized": 0.3,
            "probe_alignment": 0.5,
        }


def test_collapse_is_warned_once_and_flagged_on_every_check(caplog):
    monitor = Collapsing(None, every=1, collapse_patience=2)
    out = out_of(torch.eye(4), torch.eye(4))
    with caplog.at_level(logging.WARNING, logger="contrastkit.engine.monitor"):
        seen = [monitor.observe(nn.Linear(2, 2), s, out, {"loss": 1.0}) for s in (1, 2, 3, 4)]
    assert [o.values["collapse"] for o in seen] == [0.0, 1.0, 1.0, 1.0]
    assert all(o.stop is None for o in seen)
    (record,) = caplog.records
    assert record.getMessage().startswith("dimensional collapse at step 2")


def test_stop_on_collapse_asks_the_loop_to_stop():
    monitor = Collapsing(None, every=1, collapse_patience=1, stop_on_collapse=True)
    seen = monitor.observe(nn.Linear(2, 2), 7, out_of(torch.eye(4), torch.eye(4)), {})
    assert seen.stop is not None
    assert seen.stop.startswith(
        "stopping (monitor.stop_on_collapse): dimensional collapse at step 7"
    )


def test_state_round_trips_through_a_weights_only_checkpoint():
    monitor = Collapsing(
        None, every=1, early_stop=EarlyStopping("probe_uniformity", mode="min", patience=3)
    )
    for step in (1, 2, 3):
        monitor.observe(nn.Linear(2, 2), step, out_of(torch.eye(4), torch.eye(4)), {"loss": 1.0})
    buffer = io.BytesIO()
    torch.save(monitor.state_dict(), buffer)
    buffer.seek(0)
    fresh = Monitor(
        None, every=1, early_stop=EarlyStopping("probe_uniformity", mode="min", patience=3)
    )
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    assert fresh.history == monitor.history and fresh.warned == {"dimensional"}
    assert fresh.shape == ProbeShape(64, 32) and fresh.early_stop.bad == 2


# --- monitoring changes nothing in training


def test_a_monitored_run_trains_bit_identically_to_an_unmonitored_one(tmp_path):
    monitor = lambda stream: Monitor(draw_probe(stream, 0, torch.device("cpu")), every=1)  # noqa: E731
    _, watched = tiny_run(tmp_path / "a", steps=4, monitor=monitor)
    _, plain = tiny_run(tmp_path / "b", steps=4)
    for (name, a), b in zip(watched.state_dict().items(), plain.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    rows = [json.loads(r) for r in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4] and all(r["collapse"] == 0.0 for r in rows)
