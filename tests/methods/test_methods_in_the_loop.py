"""Each method of the zoo through the real engine: ``train_run`` for 2 CPU steps on tiny data.

Asserts what STYLE.md principle 12 asks of every method: the loss is finite, the online
parameters moved, the EMA target moved and takes no gradient, the queue advanced by the
batch, and a checkpoint round-trips into a fresh method (queue, EMA and pointer included).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from contrastkit.engine import run as run_module
from contrastkit.engine.checkpoint import list_checkpoints
from contrastkit.engine.config import TrainConfig, load_config
from contrastkit.engine.run import load_trained, train_run
from contrastkit.engine.schedules import cosine_momentum

BATCH, QUEUE = 16, 24  # two steps push 32 rows: the queue wraps
EMA = {"moco_v2", "moco_v3", "byol"}
QUEUES = {"moco_v2": "queue", "nnclr": "support"}
OPTIONS = {
    "moco_v2": ["method_options.queue_size=24", "method_options.base_momentum=0.9"],
    "moco_v3": ["method_options.base_momentum=0.9"],
    "byol": ["method_options.base_momentum=0.9", "method_options.predictor_hidden=16"],
    "simsiam": ["method_options.predictor_hidden=8"],
    "nnclr": ["method_options.support_size=24", "method_options.predictor_hidden=16"],
}


@pytest.fixture(scope="module")
def npz_source(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    rng = np.random.default_rng(0)
    np.savez(path, images=rng.integers(0, 256, (48, 1, 28, 28), dtype=np.uint8))
    return f"npz:{path}"


def tiny_config(method: str, source: str, *extra: str) -> TrainConfig:
    return load_config(
        None,
        [
            f"method={method}",
            "steps=2",
            f"data.source={source}",
            f"optim.batch_size={BATCH}",
            "model.backbone=mlp",
            "model.projection_hidden=32",
            "model.projection_dim=16",
            "log_every=1",
            "device=cpu",
            *OPTIONS[method],
            *extra,
        ],
    )


class Trained:
    """A finished 2-step run: its config, directory, the method object and what it began as."""

    def __init__(self, name: str, cfg: TrainConfig, run_dir: Path) -> None:
        self.name, self.cfg, self.run_dir = name, cfg, run_dir
        self.method: torch.nn.Module | None = None
        self.initial: dict[str, torch.Tensor] = {}
        self.momenta: list[float] = []

    def build(self, *args, **kwargs):  # stands in for engine.run.build_method
        method = _build_method(*args, **kwargs)
        self.method, self.initial = method, copy.deepcopy(method.state_dict())
        if hasattr(method, "update_target"):
            update = method.update_target

            def recording(m: float) -> None:
                self.momenta.append(m)
                update(m)

            method.update_target = recording
        return method


_build_method = run_module.build_method


@pytest.fixture(scope="module", params=sorted(OPTIONS))
def trained(request, npz_source, tmp_path_factory) -> Trained:
    name = request.param
    result = Trained(name, tiny_config(name, npz_source), tmp_path_factory.mktemp(name))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(run_module, "build_method", result.build)
        train_run(result.cfg, result.run_dir, progress=False)
    return result


def changed(before: dict, after: dict, prefix: str) -> list[str]:
    return [
        k
        for k in before
        if k.startswith(prefix)
        and before[k].is_floating_point()
        and not torch.equal(before[k], after[k])
    ]


def test_loss_is_finite_and_logged_each_step(trained):
    rows = [json.loads(r) for r in (trained.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    assert all(math.isfinite(r["loss"]) and math.isfinite(r["std_normalized"]) for r in rows)


def test_online_parameters_moved(trained):
    after = trained.method.state_dict()
    for part in ("backbone.", "projection."):
        assert changed(trained.initial, after, part), part
    if trained.name != "moco_v2":
        assert changed(trained.initial, after, "predictor."), "predictor"


def test_ema_target_moved_on_the_cosine_schedule_and_takes_no_gradient(trained):
    if trained.name not in EMA:
        assert not hasattr(trained.method, "update_target") and not trained.momenta
        return
    method, after = trained.method, trained.method.state_dict()
    assert changed(trained.initial, after, "target_backbone.")
    assert changed(trained.initial, after, "target_projection.")
    targets = [*method.target_backbone.parameters(), *method.target_projection.parameters()]
    assert all(not p.requires_grad and p.grad is None for p in targets)
    assert trained.momenta == [cosine_momentum(s, total=2, base=0.9) for s in (0, 1)]
    online = dict(method.backbone.named_parameters())
    assert any(
        not torch.equal(p, online[n]) for n, p in method.target_backbone.named_parameters()
    )  # an EMA, not a copy


def test_queue_advanced_by_the_batch_each_step(trained):
    if trained.name not in QUEUES:
        return
    queue = getattr(trained.method, QUEUES[trained.name])
    assert int(queue.pointer) == (2 * BATCH) % QUEUE and int(queue.filled) == QUEUE
    torch.testing.assert_close(queue.negatives().norm(dim=1), torch.ones(QUEUE))


def test_checkpoint_round_trips_into_a_fresh_method(trained):
    fresh = load_trained(trained.run_dir).method
    assert fresh is not trained.method
    saved, expected = fresh.state_dict(), trained.method.state_dict()
    assert saved.keys() == expected.keys()
    for key, tensor in expected.items():
        assert torch.equal(saved[key], tensor), key
    if trained.name in QUEUES:
        assert {f"{QUEUES[trained.name]}.{b}" for b in ("features", "pointer", "filled")} <= set(
            saved
        )
    if trained.name in EMA:
        assert any(k.startswith("target_backbone.") for k in saved)


@pytest.mark.parametrize("name", ["moco_v2", "nnclr"])
def test_killed_and_resumed_run_ends_bit_identical(name, npz_source, tmp_path):
    extra = ("steps=4", "checkpoint_every=2", "keep_checkpoints=3")
    cfg = tiny_config(name, npz_source, *extra)
    train_run(cfg, tmp_path / "whole", progress=False)
    train_run(cfg, tmp_path / "killed", progress=False)
    for path in list_checkpoints(tmp_path / "killed" / "checkpoints"):
        if int(path.stem.split("-")[1]) > 2:
            path.unlink()  # as if killed right after the step-2 checkpoint
    train_run(cfg, tmp_path / "killed", resume="auto", progress=False)
    whole = load_trained(tmp_path / "whole").method.state_dict()
    resumed = load_trained(tmp_path / "killed").method.state_dict()
    for key, tensor in whole.items():
        assert torch.equal(tensor, resumed[key]), key
