"""SwAV, Barlow Twins, VICReg, DINO and SupCon through the real engine: ``train_run`` for 2
CPU steps on tiny labelled data (multi-crop runs for SwAV and DINO).

Asserts STYLE.md principle 12 for each: the loss is finite, the parameters moved, DINO's
teacher moved by EMA and takes no gradient while its centre was updated, SwAV's prototypes
moved and are renormalised, and a checkpoint round-trips into a fresh method (prototypes,
teacher and centre included).
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
from contrastkit.engine.config import ConfigError, TrainConfig, load_config
from contrastkit.engine.run import load_trained, train_run
from contrastkit.engine.schedules import cosine_momentum

BATCH = 16
MULTI_CROP = ["data.small_crops=2", "data.small_crop_size=12", "model.backbone=small_cnn"]
RUNS = {
    "swav": ["method_options.n_prototypes=10"],
    "swav_multi_crop": ["method=swav", "method_options.n_prototypes=10", *MULTI_CROP],
    "barlow_twins": [],
    "vicreg": [],
    "dino": ["method_options.out_dim=24", "method_options.base_momentum=0.9"],
    "dino_multi_crop": [
        "method=dino",
        "method_options.out_dim=24",
        "method_options.base_momentum=0.9",
        *MULTI_CROP,
    ],
    "supcon": ["temperature=0.1"],
}
# what each method trains besides its backbone
HEADS = {"swav": ["projection.", "prototypes."], "dino": ["head."]}


@pytest.fixture(scope="module")
def npz_source(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (48, 1, 28, 28), dtype=np.uint8)
    np.savez(path, images=images, labels=np.arange(48) % 4)
    return f"npz:{path}"


def tiny_config(run: str, source: str, *extra: str) -> TrainConfig:
    return load_config(
        None,
        [
            f"method={run}",
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
    """A finished 2-step run: the method object, its initial state and the momenta it saw."""

    def __init__(self, run: str, cfg: TrainConfig, run_dir: Path) -> None:
        self.run, self.name, self.cfg, self.run_dir = run, cfg.method, cfg, run_dir
        self.method: torch.nn.Module | None = None
        self.initial: dict[str, torch.Tensor] = {}
        self.momenta: list[float] = []
        self.crops: list[int] = []

    def build(self, *args, **kwargs):  # stands in for engine.run.build_method
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


_build_method = run_module.build_method


@pytest.fixture(scope="module", params=sorted(RUNS))
def trained(request, npz_source, tmp_path_factory) -> Trained:
    run = request.param
    result = Trained(run, tiny_config(run, npz_source), tmp_path_factory.mktemp(run))
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
    assert all(math.isfinite(r["loss"]) for r in rows)


def test_the_stream_delivers_small_crops_only_when_asked(trained):
    assert trained.crops == [2, 2] if trained.run.endswith("multi_crop") else [0, 0]


def test_parameters_moved(trained):
    after = trained.method.state_dict()
    for part in ["backbone.", *HEADS.get(trained.name, ["projection."])]:
        assert changed(trained.initial, after, part), part


def test_dino_teacher_moved_by_ema_without_gradient_and_its_centre_was_updated(trained):
    if trained.name != "dino":
        return
    method, after = trained.method, trained.method.state_dict()
    assert changed(trained.initial, after, "teacher_backbone.")
    assert changed(trained.initial, after, "teacher_head.")
    teacher = [*method.teacher_backbone.parameters(), *method.teacher_head.parameters()]
    assert all(not p.requires_grad and p.grad is None for p in teacher)
    assert trained.momenta == [cosine_momentum(s, total=2, base=0.9) for s in (0, 1)]
    assert not torch.equal(trained.initial["criterion.center"], after["criterion.center"])
    assert after["criterion.center"].abs().max() > 0


def test_swav_prototypes_are_renormalised_at_each_step(trained):
    if trained.name != "swav":
        return
    protos = trained.method.prototypes
    assert not torch.allclose(protos.weight.norm(dim=1), torch.ones(10))  # the optimiser moved them
    protos.normalize_()  # what the next step starts with
    torch.testing.assert_close(protos.weight.norm(dim=1), torch.ones(10))


def test_checkpoint_round_trips_into_a_fresh_method(trained):
    fresh = load_trained(trained.run_dir).method
    assert fresh is not trained.method
    saved = fresh.state_dict()
    expected = trained.method.state_dict()
    if trained.name == "swav":
        expected = {**expected, "prototypes.weight": saved["prototypes.weight"]}  # renormalised
    assert saved.keys() == trained.initial.keys()
    for key, tensor in expected.items():
        assert torch.equal(saved[key], tensor), key
    kept = {"swav": "prototypes.weight", "dino": "criterion.center"}.get(trained.name)
    if kept is not None:
        assert kept in saved
    if trained.name == "dino":
        assert any(k.startswith("teacher_backbone.") for k in saved)


def test_swav_checkpoint_holds_the_prototypes_as_trained(npz_source, tmp_path):
    from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint

    cfg = tiny_config("swav", npz_source)
    train_run(cfg, tmp_path, progress=False)
    state = load_checkpoint(list_checkpoints(tmp_path / "checkpoints")[-1])["model"]
    fresh = load_trained(tmp_path).method
    assert torch.equal(fresh.prototypes.weight, state["prototypes.weight"])


def test_supcon_refuses_an_unlabelled_source(tmp_path):
    path = tmp_path / "unlabelled.npz"
    np.savez(path, images=np.zeros((32, 1, 28, 28), dtype=np.uint8))
    with pytest.raises(ConfigError, match="needs a labelled dataset"):
        train_run(tiny_config("supcon", f"npz:{path}"), tmp_path / "run", progress=False)


@pytest.mark.parametrize(
    ("run", "extra", "match"),
    [
        ("simclr", ["data.small_crops=2"], "uses two views only"),
        ("swav", ["data.small_crops=2", "data.augment=per_sample"], "batched"),
        ("swav", ["data.small_crops=2", "data.small_crop_scale=[0.5, 0.1]"], "small_crop"),
    ],
    ids=["two-view-method", "per-sample-path", "bad-scale"],
)
def test_multi_crop_settings_are_checked(run, extra, match, npz_source, tmp_path):
    with pytest.raises(ConfigError, match=match):
        train_run(tiny_config(run, npz_source, *extra), tmp_path, progress=False)
