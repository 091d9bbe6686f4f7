"""Each method of the zoo through the real engine (``contrastkit.api.train``) for 2 CPU steps on tiny
labelled data (multi-crop runs for SwAV and DINO).

Asserts what STYLE.md principle 12 asks of every method: the loss is finite, the online
parameters moved, an EMA target (MoCo, BYOL, DINO's teacher) moved on the cosine schedule
and takes no gradient, a queue advanced by the batch, DINO's centre was updated, SwAV's
prototypes are renormalised, the stream delivers small crops only when asked, and a
checkpoint round-trips into a fresh method (queue, EMA, prototypes and centre included).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from contrastkit.api import open_run, train
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint
from contrastkit.engine.config import ConfigError
from contrastkit.engine.schedules import cosine_momentum
from contrastkit.tasks import load_config
from contrastkit.tasks.images import task as image_task
from contrastkit.tasks.images.config import ImageConfig

BATCH, QUEUE = 16, 24  # two steps push 32 rows: the queue wraps
MULTI_CROP = ["data.small_crops=2", "data.small_crop_size=12", "model.backbone=small_cnn"]
SWAV = ["method_options.n_prototypes=10"]
DINO = ["method_options.out_dim=24", "method_options.base_momentum=0.9"]
# run → its overrides; a run is named after its method, "_multi_crop" adds small crops
RUNS = {
    "barlow_twins": [],
    "byol": ["method_options.base_momentum=0.9", "method_options.predictor_hidden=16"],
    "dino": DINO,
    "dino_multi_crop": [*DINO, *MULTI_CROP],
    "moco_v2": ["method_options.queue_size=24", "method_options.base_momentum=0.9"],
    "moco_v3": ["method_options.base_momentum=0.9"],
    "nnclr": ["method_options.support_size=24", "method_options.predictor_hidden=16"],
    "simsiam": ["method_options.predictor_hidden=8"],
    "supcon": ["temperature=0.1"],
    "swav": SWAV,
    "swav_multi_crop": [*SWAV, *MULTI_CROP],
    "vicreg": [],
}
# what each method trains besides its backbone
TRAINED = {
    "byol": ["projection.", "predictor."],
    "dino": ["head."],
    "moco_v3": ["projection.", "predictor."],
    "nnclr": ["projection.", "predictor."],
    "simsiam": ["projection.", "predictor."],
    "swav": ["projection.", "prototypes."],
}
# each EMA method's (target, online) module pairs
EMA = {
    "byol": [("target_backbone", "backbone"), ("target_projection", "projection")],
    "dino": [("teacher_backbone", "backbone"), ("teacher_head", "head")],
    "moco_v2": [("target_backbone", "backbone"), ("target_projection", "projection")],
    "moco_v3": [("target_backbone", "backbone"), ("target_projection", "projection")],
}
QUEUES = {"moco_v2": "queue", "nnclr": "support"}
# state a checkpoint must carry besides the online networks
KEPT = {
    "dino": ["criterion.center"],
    "swav": ["prototypes.weight"],
    **{m: [f"{q}.{b}" for b in ("features", "pointer", "filled")] for m, q in QUEUES.items()},
}


def tiny_config(run: str, source: str, *extra: str) -> ImageConfig:
    return load_config(
        None,
        [
            f"method={run.removesuffix('_multi_crop')}",
            "steps=2",
            f"data.source={source}",
            f"optim.batch_size={BATCH}",
            "model.backbone=mlp",
            "model.projection_hidden=32",
            "model.projection_dim=16",
            "log_every=1",
            "device=cpu",
            *RUNS.get(run, []),
            *extra,
        ],
    )


class Trained:
    """A finished 2-step run: the method object, its initial state, and the momenta and
    small-crop counts it saw."""

    def __init__(self, run: str, cfg: ImageConfig, run_dir: Path) -> None:
        self.run, self.name, self.cfg, self.run_dir = run, cfg.method, cfg, run_dir
        self.method: torch.nn.Module | None = None
        self.initial: dict[str, torch.Tensor] = {}
        self.momenta: list[float] = []
        self.crops: list[int] = []

    def build(self, *args, **kwargs):  # stands in for the image task's build_method
        method = _build_method(*args, **kwargs)
        self.method, self.initial = method, copy.deepcopy(method.state_dict())
        step = method.training_step

        def recording_step(views):
            self.crops.append(len(views.crops))
            return step(views)

        method.training_step = recording_step
        if hasattr(method, "update_target"):
            update = method.update_target

            def recording_update(m: float) -> None:
                self.momenta.append(m)
                update(m)

            method.update_target = recording_update
        return method


_build_method = image_task.build_method


@pytest.fixture(scope="module", params=sorted(RUNS))
def trained(request, tiny_npz_source, tmp_path_factory) -> Trained:
    run = request.param
    result = Trained(run, tiny_config(run, tiny_npz_source), tmp_path_factory.mktemp(run))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(image_task, "build_method", result.build)
        train(result.cfg, out=result.run_dir, progress=False)
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


def test_the_stream_delivers_small_crops_only_when_asked(trained):
    assert trained.crops == ([2, 2] if trained.run.endswith("_multi_crop") else [0, 0])


def test_online_parameters_moved(trained):
    after = trained.method.state_dict()
    for part in ["backbone.", *TRAINED.get(trained.name, ["projection."])]:
        assert changed(trained.initial, after, part), part


def test_ema_target_moved_on_the_cosine_schedule_and_takes_no_gradient(trained):
    if trained.name not in EMA:
        assert not hasattr(trained.method, "update_target") and not trained.momenta
        return
    method, after = trained.method, trained.method.state_dict()
    targets = [getattr(method, target) for target, _ in EMA[trained.name]]
    for target, _ in EMA[trained.name]:
        assert changed(trained.initial, after, f"{target}."), target
    assert all(not p.requires_grad and p.grad is None for t in targets for p in t.parameters())
    assert trained.momenta == [cosine_momentum(s, total=2, base=0.9) for s in (0, 1)]
    for target, online in EMA[trained.name]:
        online_params = dict(getattr(method, online).named_parameters())
        assert any(
            not torch.equal(p, online_params[n])
            for n, p in getattr(method, target).named_parameters()
        ), f"{target} is an EMA, not a copy"


def test_queue_advanced_by_the_batch_each_step(trained):
    if trained.name not in QUEUES:
        return
    queue = getattr(trained.method, QUEUES[trained.name])
    assert int(queue.pointer) == (2 * BATCH) % QUEUE and int(queue.filled) == QUEUE
    torch.testing.assert_close(queue.negatives().norm(dim=1), torch.ones(QUEUE))


def test_dino_centre_was_updated(trained):
    if trained.name != "dino":
        return
    before, after = trained.initial["criterion.center"], trained.method.criterion.center
    assert not torch.equal(before, after) and after.abs().max() > 0


def test_swav_prototypes_are_renormalised_at_each_step(trained):
    if trained.name != "swav":
        return
    protos = copy.deepcopy(trained.method.prototypes)  # leave the trained method as it ended
    assert not torch.allclose(protos.weight.norm(dim=1), torch.ones(10))  # the optimiser moved them
    protos.normalize_()  # what the next step starts with
    torch.testing.assert_close(protos.weight.norm(dim=1), torch.ones(10))


@pytest.mark.parametrize(
    "run, option, weight",
    [
        ("dino", "freeze_last_layer_steps", "head.last_weight"),
        ("swav", "freeze_prototypes_steps", "prototypes.weight"),
    ],
)
def test_the_loop_leaves_a_part_frozen_for_its_steps(
    run, option, weight, tiny_npz_source, tmp_path
):
    moved = {}
    for steps in (0, 2):  # of the run's 2 steps
        cfg = tiny_config(run, tiny_npz_source, f"method_options.{option}={steps}")
        result = Trained(run, cfg, tmp_path / str(steps))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(image_task, "build_method", result.build)
            train(cfg, out=result.run_dir, progress=False)
        before, after = result.initial[weight], result.method.state_dict()[weight]
        moved[steps] = not torch.allclose(before, after, atol=1e-6)
    assert moved == {0: True, 2: False}


def test_checkpoint_round_trips_into_a_fresh_method(trained):
    fresh = open_run(trained.run_dir).method
    assert fresh is not trained.method
    saved, expected = fresh.state_dict(), trained.method.state_dict()
    assert saved.keys() == expected.keys() == trained.initial.keys()
    last = load_checkpoint(list_checkpoints(trained.run_dir / "checkpoints")[-1])["model"]
    for key, tensor in expected.items():
        assert torch.equal(saved[key], tensor), key  # as trained (SwAV's prototypes too) ...
        assert torch.equal(saved[key], last[key]), key  # ... and as the last checkpoint holds
    assert set(KEPT.get(trained.name, [])) <= set(saved)
    for target, _ in EMA.get(trained.name, []):
        assert any(k.startswith(f"{target}.") for k in saved), target


SWAV_QUEUE = ("method_options.queue_length=16", "method_options.queue_start_step=1")


@pytest.mark.parametrize(
    "name, options", [("moco_v2", ()), ("nnclr", ()), ("swav", SWAV_QUEUE)]
)  # a queue each; SwAV's fills at step 1 and joins Sinkhorn from step 2, across the resume
def test_killed_and_resumed_run_ends_bit_identical(name, options, tiny_npz_source, tmp_path):
    extra = ("steps=4", "checkpoint_every=2", "keep_checkpoints=3")
    cfg = tiny_config(name, tiny_npz_source, *options, *extra)
    train(cfg, out=tmp_path / "whole", progress=False)
    train(cfg, out=tmp_path / "killed", progress=False)
    for path in list_checkpoints(tmp_path / "killed" / "checkpoints"):
        if int(path.stem.split("-")[1]) > 2:
            path.unlink()  # as if killed right after the step-2 checkpoint
    train(cfg, out=tmp_path / "killed", resume="auto", progress=False)
    whole = open_run(tmp_path / "whole").method.state_dict()
    resumed = open_run(tmp_path / "killed").method.state_dict()
    for key, tensor in whole.items():
        assert torch.equal(tensor, resumed[key]), key


def test_supcon_refuses_an_unlabelled_source(tmp_path):
    path = tmp_path / "unlabelled.npz"
    np.savez(path, images=np.zeros((32, 1, 28, 28), dtype=np.uint8))
    with pytest.raises(ConfigError, match="needs a labelled dataset"):
        train(tiny_config("supcon", f"npz:{path}"), out=tmp_path / "run", progress=False)


@pytest.mark.parametrize(
    ("run", "extra", "match"),
    [
        ("simclr", ["data.small_crops=2"], "uses two views only"),
        ("swav", ["data.small_crops=2", "data.augment=per_sample"], "batched"),
        ("swav", ["data.small_crops=2", "data.small_crop_scale=[0.5, 0.1]"], "small_crop"),
    ],
    ids=["two-view-method", "per-sample-path", "bad-scale"],
)
def test_multi_crop_settings_are_checked(run, extra, match, tiny_npz_source, tmp_path):
    with pytest.raises(ConfigError, match=match):
        train(tiny_config(run, tiny_npz_source, *extra), out=tmp_path, progress=False)
