"""The loop's finiteness guard (engine/finite.py): a non-finite step stops the run naming the
step and what went wrong, no checkpoint ever holds NaN or inf, and ``on_nonfinite=skip``
leaves model, buffers and optimiser exactly as before the skipped batch."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from contrastkit.cli import main
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint
from contrastkit.engine.loop import LoopSettings, train
from contrastkit.engine.optim import build_optimizer
from contrastkit.engine.sampler import EpochBatches
from contrastkit.losses import NonFiniteError, info_nce
from contrastkit.types import StepOutput

CPU = torch.device("cpu")
POINTS = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))


@dataclass(frozen=True)
class Pair:
    first: torch.Tensor
    second: torch.Tensor

    def __len__(self) -> int:
        return len(self.first)


class PoisonedStream:
    """Noisy pairs of 64 points, batch 16; batch ``poisoned`` of epoch 0 holds a NaN."""

    def __init__(self, poisoned: int | None) -> None:
        self.batches, self.poisoned = EpochBatches(64, 16, seed=0), poisoned

    def epoch(self, epoch: int, start: int = 0):
        for i, idx in enumerate(self.batches.epoch(epoch, start), start):
            x = POINTS[idx].clone()
            if epoch == 0 and i == self.poisoned:
                x[0, 0] = math.nan
            yield Pair(x + 0.1 * torch.randn_like(x), x + 0.1 * torch.randn_like(x))


class Tiny(nn.Module):
    """A linear encoder with BatchNorm (buffers a NaN batch would corrupt), InfoNCE."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.encoder = nn.Sequential(nn.Linear(8, 6), nn.BatchNorm1d(6))

    def training_step(self, batch: Pair) -> StepOutput:
        z1, z2 = self.encoder(batch.first), self.encoder(batch.second)
        return StepOutput(info_nce(z1, z2, temperature=0.5), z1.detach(), z2.detach())


def run(tmp_path, steps: int, poisoned: int | None, on_nonfinite: str = "stop"):
    method = Tiny()
    optimizer = build_optimizer(method, "adamw", lr=0.01, weight_decay=0.01)
    settings = LoopSettings(
        total_steps=steps, peak_lr=0.01, final_lr=0.01, warmup_steps=0, seed=0,
        log_every=1, checkpoint_every=1, keep_checkpoints=10, progress=False,
        on_nonfinite=on_nonfinite,
    )  # fmt: skip
    train(
        method, PoisonedStream(poisoned), optimizer, settings, tmp_path, device=CPU,
        config_json="{}", trackers=(),
    )  # fmt: skip
    return load_checkpoint(list_checkpoints(tmp_path / "checkpoints")[-1])


def test_a_non_finite_step_stops_naming_it_and_keeps_the_last_checkpoint(tmp_path):
    with pytest.raises(
        NonFiniteError, match=r"^step 2: the method's embeddings became non-finite"
    ) as e:
        run(tmp_path, steps=4, poisoned=2)
    assert "(checkpoint of step 2 kept)" in str(e.value) and "on_nonfinite=skip" in str(e.value)
    assert [load_checkpoint(p)["step"] for p in list_checkpoints(tmp_path / "checkpoints")] == [
        1,
        2,
    ]


def test_a_skipped_batch_changes_nothing(tmp_path):
    clean = run(tmp_path / "clean", steps=2, poisoned=None)  # steps 0 and 1
    skipped = run(tmp_path / "skipped", steps=3, poisoned=2, on_nonfinite="skip")  # then NaN
    for key, value in clean["model"].items():  # BatchNorm statistics included
        assert torch.equal(value, skipped["model"][key]), key
    a, b = clean["optimizer"]["state"], skipped["optimizer"]["state"]
    assert all(torch.equal(a[i][k], b[i][k]) for i in a for k in a[i] if k != "step")
    rows = [
        json.loads(r) for r in (tmp_path / "skipped" / "metrics.jsonl").read_text().splitlines()
    ]
    assert rows[-1]["step"] == 3 and rows[-1]["skipped_steps"] == 1.0


def test_a_blow_up_leaves_only_finite_checkpoints_and_one_line(
    tmp_path, capsys, fashion_mnist_available
):
    out = tmp_path / "run"
    args = [
        "train",
        "--data",
        "fashion-mnist",
        "--set",
        "data.max_samples=64",
        "--set",
        "optim.batch_size=32",
    ]
    args += ["--set", "optim.lr=1e6", "--set", "optim.name=sgd", "--set", "checkpoint_every=1"]
    assert main([*args, "--steps", "40", "--out", str(out), "--device", "cpu", "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: step ") and "non-finite" in err[0]
    kept = list_checkpoints(out / "checkpoints")
    assert kept
    for path in kept:
        for name, t in load_checkpoint(path)["model"].items():
            assert not t.is_floating_point() or bool(torch.isfinite(t).all()), (path.name, name)


class Constant(Tiny):
    """Every embedding the same vector: a collapsed encoder."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(8, 6)
        nn.init.zeros_(self.encoder.weight)
        nn.init.ones_(self.encoder.bias)


def test_identical_embeddings_are_said_once(tmp_path, caplog):
    method = Constant()
    settings = LoopSettings(
        total_steps=3,
        peak_lr=0.0,
        final_lr=0.0,
        warmup_steps=0,
        seed=0,
        log_every=1,
        progress=False,
    )
    optimizer = build_optimizer(method, "sgd", lr=0.0, weight_decay=0.0)
    train(
        method,
        PoisonedStream(None),
        optimizer,
        settings,
        tmp_path,
        device=CPU,
        config_json="{}",
        trackers=(),
    )
    said = [
        r for r in caplog.records if "every embedding of the batch is identical" in r.getMessage()
    ]
    assert len(said) == 1 and said[0].getMessage().startswith("step 1:")
