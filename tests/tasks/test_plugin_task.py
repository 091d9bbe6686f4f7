"""A kind of data contrastkit has never heard of, added as a plug-in and used through the CLI.

The task below (Gaussian-mixture vectors, two noisy views each, an MLP encoder) lives only in
this file. It is registered the way a third-party package registers one — entry points in the
``contrastkit.tasks`` and ``contrastkit.encoders`` groups of an installed distribution's
metadata — and then trained, resumed, evaluated, embedded, exported and reopened with
``load_encoder`` without a line of ``cli/`` or ``engine/`` knowing about it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
import torch
from pydantic import Field
from torch import nn

from contrastkit.atomic_dir import atomic_directory
from contrastkit.cli import main
from contrastkit.encoders import load_encoder, write_card
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint
from contrastkit.engine.config import with_overrides
from contrastkit.engine.run import TrainedRun
from contrastkit.engine.sampler import EpochBatches
from contrastkit.engine.settings import RunConfig, Strict
from contrastkit.evaluation import knn_accuracy
from contrastkit.losses import info_nce
from contrastkit.tasks.base import Evaluation, TrainingParts
from contrastkit.types import Items, StepOutput

FORMAT = "toy-mlp/1"


class ToyEval(Strict):
    knn_k: int = Field(default=5, ge=1)


class ToyConfig(RunConfig):
    task: Literal["toy"] = "toy"
    method: Literal["noise_pairs"] = "noise_pairs"
    points: int = 256  # per split
    dim: int = 8
    clusters: int = 4
    noise: float = 0.3  # the augmentation: Gaussian noise of this std
    hidden: int = 32
    out: int = 8
    eval: ToyEval = ToyEval()


def mixture(cfg: ToyConfig, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Points around ``clusters`` fixed centres (the same for every split), labels = centre."""
    centres = torch.randn(cfg.clusters, cfg.dim, generator=torch.Generator().manual_seed(7)) * 3
    g = torch.Generator().manual_seed({"train": 0, "test": 1}[split])
    labels = torch.arange(cfg.points) % cfg.clusters
    return centres[labels] + torch.randn(cfg.points, cfg.dim, generator=g), labels


@dataclass(frozen=True)
class NoisyPairs:
    first: torch.Tensor  # (B, D)
    second: torch.Tensor

    def __len__(self) -> int:
        return len(self.first)


class NoisyPairStream:
    def __init__(self, points: torch.Tensor, cfg: ToyConfig) -> None:
        self.points, self.noise = points, cfg.noise
        self.batches = EpochBatches(len(points), cfg.optim.batch_size, seed=cfg.seed)

    def epoch(self, epoch: int, start: int = 0) -> Iterator[NoisyPairs]:
        for idx in self.batches.epoch(epoch, start):
            x = self.points[idx]  # the loop seeds torch per step: the noise resumes exactly
            yield NoisyPairs(
                x + self.noise * torch.randn_like(x), x + self.noise * torch.randn_like(x)
            )


def mlp(cfg: Mapping[str, Any]) -> nn.Module:
    return nn.Sequential(
        nn.Linear(cfg["dim"], cfg["hidden"]), nn.ReLU(), nn.Linear(cfg["hidden"], cfg["out"])
    )


class NoisePairs(nn.Module):
    def __init__(self, encoder: nn.Module, temperature: float = 0.2) -> None:
        super().__init__()
        self.encoder, self.temperature = encoder, temperature

    def training_step(self, batch: NoisyPairs) -> StepOutput:
        z1, z2 = self.encoder(batch.first), self.encoder(batch.second)
        loss = info_nce(z1, z2, temperature=self.temperature, symmetric=True)
        return StepOutput(
            loss, z1.detach(), z2.detach(), {"z_norm": z1.detach().norm(dim=1).mean()}
        )


class VectorEncoder:
    inputs = "vectors"

    def __init__(self, net: nn.Module, spec: Mapping[str, int]) -> None:
        self.net, self.spec, self.dim = net.eval(), dict(spec), int(spec["out"])

    @torch.no_grad()
    def encode(self, items: Any, *, batch_size: int = 64, progress: bool = False) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(items), dtype=torch.float32)
        return torch.cat([self.net(c) for c in x.split(batch_size)])

    def save(
        self, directory: Path, *, card: Mapping[str, Any] | None = None, overwrite: bool = False
    ) -> Path:
        from safetensors.torch import save_file

        with atomic_directory(Path(directory), overwrite=overwrite) as tmp:
            save_file(
                {k: v.contiguous() for k, v in self.net.state_dict().items()},
                str(tmp / "net.safetensors"),
            )
            write_card(tmp, {"format": FORMAT, "task": "toy", **self.spec, **(card or {})})
        return Path(directory)


def load(directory: Path, card: Mapping[str, Any], device: torch.device) -> VectorEncoder:
    from safetensors.torch import load_file

    net = mlp(card)
    net.load_state_dict(load_file(directory / "net.safetensors"))
    return VectorEncoder(net, {k: card[k] for k in ("dim", "hidden", "out")})


METHODS = {"noise_pairs": NoisePairs}


class ToyTask:
    name, unit, config, export_format, methods = "toy", "vectors", ToyConfig, FORMAT, METHODS

    def check(self, cfg: ToyConfig) -> None:
        pass

    def build(self, cfg: ToyConfig, device: torch.device, *, fresh: bool) -> TrainingParts:
        points, _ = mixture(cfg, "train")
        spec = {"dim": cfg.dim, "hidden": cfg.hidden, "out": cfg.out}
        return TrainingParts(NoisePairs(mlp(spec)), NoisyPairStream(points, cfg), {"spec": spec})

    def monitor(
        self, cfg: ToyConfig, parts: TrainingParts, settings: Any, device: torch.device
    ) -> None:
        return None

    def restore(self, cfg: ToyConfig, record: Mapping[str, Any]) -> nn.Module:
        return NoisePairs(mlp(record["spec"]))

    def encoder(self, run: TrainedRun, device: torch.device) -> VectorEncoder:
        return VectorEncoder(run.method.encoder, run.record["spec"])

    def read_items(self, cfg: ToyConfig, source: str | None, split: str) -> Items:
        points, labels = mixture(cfg, split)
        return Items(
            [f"toy:{split}:{i}" for i in range(len(points))],
            points.numpy(),
            {"labels": labels.tolist()},
        )

    def evaluate(
        self,
        run: TrainedRun,
        *,
        data: str | None,
        overrides: Sequence[str],
        device: torch.device,
        progress: bool,
    ) -> Evaluation:
        cfg = with_overrides(run.config, overrides)
        encoder = self.encoder(run, device)
        (train, train_y), (test, test_y) = mixture(cfg, "train"), mixture(cfg, "test")
        accuracy = knn_accuracy(
            encoder.encode(train), train_y, encoder.encode(test), test_y, k=cfg.eval.knn_k
        )
        return Evaluation(
            {"knn_accuracy": accuracy, "step": run.step}, f"kNN accuracy {accuracy:.2%}"
        )


TOY_TASK = ToyTask()


@pytest.fixture
def toy_plugin(tmp_path_factory, monkeypatch) -> Path:
    """An installed distribution whose entry points name this module's task and loader."""
    site = tmp_path_factory.mktemp("site")
    info = site / "toy_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[contrastkit.tasks]\ntoy = {__name__}:TOY_TASK\n\n[contrastkit.encoders]\n{FORMAT} = {__name__}:load\n"
    )
    monkeypatch.syspath_prepend(str(site))
    return site


def _train(out: Path, *extra: str) -> int:
    return main(
        ["train", "--method", "noise_pairs", "--steps", "6", "--out", str(out), "--device", "cpu", "-q",
         "--set", "optim.batch_size=32", "--set", "optim.lr=0.01", "--set", "checkpoint_every=3",
         "--set", "keep_checkpoints=3", "--set", "log_every=1", *extra]
    )  # fmt: skip


def test_a_plugin_task_trains_resumes_evaluates_embeds_exports_and_reopens(
    toy_plugin, tmp_path, capsys
):
    from contrastkit.tasks import task_names

    assert "toy" in task_names()
    run = tmp_path / "run"
    assert _train(run) == 0
    assert (
        "(" in capsys.readouterr().out
        and json.loads((run / "config.json").read_text())["task"] == "toy"
    )
    rows = [json.loads(r) for r in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 7)) and all("z_norm" in r for r in rows)
    assert all("samples_per_second" in r and 0 <= r["data_share"] < 1 for r in rows)

    # resume: the same run killed after step 3 and resumed ends bit-identical
    killed = tmp_path / "killed"
    assert _train(killed) == 0
    for path in list_checkpoints(killed / "checkpoints"):
        if load_checkpoint(path)["step"] > 3:
            path.unlink()
    assert _train(killed, "--resume", "auto") == 0
    whole = load_checkpoint(list_checkpoints(run / "checkpoints")[-1])
    resumed = load_checkpoint(list_checkpoints(killed / "checkpoints")[-1])
    assert whole["step"] == resumed["step"] == 6
    assert all(torch.equal(v, resumed["model"][k]) for k, v in whole["model"].items())

    # eval through the task, with an eval.* override of its own
    assert main(["eval", "--run", str(run), "--set", "eval.knn_k=3", "--device", "cpu", "-q"]) == 0
    scores = json.loads((run / "eval.json").read_text())
    assert scores["step"] == 6 and scores["knn_accuracy"] > 0.9  # four well-separated clusters
    assert "kNN accuracy" in capsys.readouterr().out

    # embed, export, and load_encoder on the export embeds identically
    out = tmp_path / "emb.npy"
    assert main(["embed", "--run", str(run), "--split", "test", "--out", str(out), "-q"]) == 0
    ids = json.loads((tmp_path / "emb.ids.json").read_text())
    embedded = np.load(out)
    assert embedded.shape == (256, 8) and ids["ids"][5] == "toy:test:5" and ids["labels"][5] == 1
    assert main(["export", "--run", str(run), "--out", str(tmp_path / "exp")]) == 0
    card = json.loads((tmp_path / "exp" / "card.json").read_text())
    assert card["format"] == FORMAT and card["trained_steps"] == 6 and card["evaluation"] == scores
    encoder = load_encoder(tmp_path / "exp")
    assert isinstance(encoder, VectorEncoder) and encoder.dim == 8
    points, _ = mixture(ToyConfig(), "test")
    assert np.array_equal(encoder.encode(points.numpy()).numpy(), embedded)


def test_commands_a_plugin_task_does_not_support_say_so_in_one_line(toy_plugin, tmp_path, capsys):
    run = tmp_path / "run"
    assert _train(run) == 0
    assert main(["report", "--run", str(run), "-q"]) == 0  # curves only, and a note
    page = (run / "report" / "report.html").read_text()
    assert "draws no figures beyond the training curves" in page
    assert (run / "report" / "curves.png").is_file()
    capsys.readouterr()
    args = ["sweep", "--param", "seed", "--values", "1,2", "--method", "noise_pairs"]
    assert main([*args, "--out", str(tmp_path / "sweep")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the toy task has no sweep measure" in err[0]
    assert (
        main(["export", "--run", str(run), "--out", str(tmp_path / "e"), "--format", "backbone"])
        != 0
    )
    assert "a toy run; it exports as toy-mlp/1" in capsys.readouterr().err


def test_without_the_plugin_its_runs_are_unknown_in_one_line(
    toy_plugin, tmp_path, capsys, monkeypatch
):
    run = tmp_path / "run"
    assert _train(run) == 0
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(toy_plugin)])
    capsys.readouterr()
    assert main(["eval", "--run", str(run), "-q"]) == 1
    assert "unknown task 'toy'; choose one of: images, text" in capsys.readouterr().err
