"""The series task: settings, method, data, evaluation and export, as one :class:`Task`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.data.series import SeriesSet, load_series
from contrastkit.engine.config import with_overrides
from contrastkit.engine.run import TrainedRun
from contrastkit.methods.base import encoder_of
from contrastkit.methods.sequence_contrast import SequenceContrast
from contrastkit.tasks.base import Evaluation, TrainingParts
from contrastkit.tasks.series.config import SeriesConfig
from contrastkit.tasks.series.encoder import FORMAT, SeriesEncoder, build_backbone, standardize
from contrastkit.tasks.series.views import SeriesStream
from contrastkit.types import Items

METHODS: dict[str, type[nn.Module]] = {"series_contrast": SequenceContrast}


def _spec(cfg: SeriesConfig, channels: int) -> dict[str, Any]:
    m = cfg.model
    return {
        "in_channels": channels,
        "hidden": m.hidden,
        "depth": m.depth,
        "dim": m.dim,
        "standardize": cfg.data.standardize,
    }


def _method(cfg: SeriesConfig, spec: Mapping[str, Any]) -> SequenceContrast:
    n = cfg.negatives
    return SequenceContrast(
        build_backbone(spec),
        projection_hidden=cfg.model.projection_hidden,
        projection_dim=cfg.model.projection_dim,
        temperature=cfg.temperature,
        negatives=n.kind,
        tau_plus=n.tau_plus,
        beta=n.beta,
        gather_distributed=distributed.is_distributed(),
    )


def _read(cfg: SeriesConfig, source: str | None, split: str) -> SeriesSet:
    data = load_series(source or cfg.data.source, split)
    if not cfg.data.standardize:
        return data
    return SeriesSet(standardize(data.series), data.labels, data.classes, data.name)


class SeriesTask:
    """Time series: instance contrast over crops (``series_contrast``) on aeon's UCR/UEA sets
    and NPZ/CSV files; evaluated by 1-NN and a linear classifier fitted on the train split and
    scored on the test split (the UCR protocol); exported as a dilated-conv encoder."""

    name = "series"
    unit = "series"
    config = SeriesConfig
    methods = METHODS
    export_format = FORMAT

    def check(self, cfg: SeriesConfig) -> None:
        pass  # the settings model checks everything that needs no data

    def build(self, cfg: SeriesConfig, device: torch.device, *, fresh: bool) -> TrainingParts:
        data = _read(cfg, None, "train")
        spec = _spec(cfg, data.series.shape[1])
        stream = SeriesStream(
            data.series,
            data.labels,
            cfg.data,
            cfg.negatives.exclusion_window,
            batch_size=cfg.optim.batch_size,
            seed=cfg.seed,
            rank=distributed.rank(),
            world=distributed.world_size(),
            device=device,
        )
        record = {"spec": spec, "data": {"source": cfg.data.source, "series": len(data)}}
        return TrainingParts(_method(cfg, spec).to(device), stream, record)

    def monitor(
        self, cfg: SeriesConfig, parts: TrainingParts, settings: Any, device: torch.device
    ) -> None:
        return None  # the loop still logs alignment and uniformity of every logged step

    def restore(self, cfg: SeriesConfig, record: Mapping[str, Any]) -> nn.Module:
        return _method(cfg, record["spec"])

    def encoder(self, run: TrainedRun, device: torch.device) -> SeriesEncoder:
        return SeriesEncoder(encoder_of(run.method), run.record["spec"], device)

    def read_items(self, cfg: SeriesConfig, source: str | None, split: str) -> Items:
        data = load_series(source or cfg.data.source, split)  # the encoder standardises
        ids = [f"{source or cfg.data.source}:{split}:{i}" for i in range(len(data))]
        return Items(ids, data.series, {"labels": data.labels.tolist()})

    def evaluate(
        self,
        run: TrainedRun,
        *,
        data: str | None,
        overrides: Sequence[str],
        device: torch.device,
        progress: bool,
    ) -> Evaluation:
        from contrastkit.evaluation import knn_accuracy, linear_probe

        cfg: SeriesConfig = with_overrides(run.config, overrides)
        encoder = self.encoder(run, device)
        train, test = (load_series(data or cfg.data.source, s) for s in ("train", "test"))
        train_x, test_x = encoder.encode(train.series), encoder.encode(test.series)
        knn = knn_accuracy(
            train_x, train.labels, test_x, test.labels,
            k=cfg.eval.knn_k, temperature=cfg.eval.knn_temperature,
        )  # fmt: skip
        scores: dict[str, Any] = {"knn_accuracy": float(knn), "knn_k": cfg.eval.knn_k}
        summary = f"{cfg.eval.knn_k}-NN accuracy {knn:.2%}"
        if cfg.eval.probe_epochs is not None:
            probe = linear_probe(
                train_x, train.labels, test_x, test.labels,
                epochs=cfg.eval.probe_epochs, num_classes=len(train.classes),
            ).test_accuracy  # fmt: skip
            scores["probe_accuracy"] = float(probe)
            summary += f", linear classifier {probe:.2%}"
        scores.update({"n_train": len(train), "n_test": len(test), "step": run.step})
        return Evaluation(scores, f"{summary} on {test.name} test ({len(test)} series)")


TASK = SeriesTask()
