"""The image task: its settings, methods, data, evaluation and export, as one :class:`Task`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from contrastkit.engine.config import ConfigError, with_overrides
from contrastkit.engine.loop import LoopSettings
from contrastkit.engine.monitor import Monitor
from contrastkit.engine.run import TrainedRun
from contrastkit.methods.base import encoder_of
from contrastkit.report.html import Section
from contrastkit.tasks.base import Evaluation, TrainingParts
from contrastkit.tasks.images.build import (
    build_method,
    build_stream,
    load_backbone,
    load_eval_data,
    load_image_data,
    method_class,
)
from contrastkit.tasks.images.config import ImageConfig
from contrastkit.tasks.images.encoder import ImageEncoder
from contrastkit.tasks.images.methods import METHODS
from contrastkit.types import Items


class ImagesTask:
    """Images: SimCLR and the other vision methods (``METHODS``) on Fashion-MNIST, image
    folders and ``.npz`` arrays; evaluated by weighted kNN and a linear probe; exported as a
    backbone with its evaluation transform."""

    name = "images"
    unit = "images"
    config = ImageConfig
    methods = METHODS
    export_format = "backbone"

    def check(self, cfg: ImageConfig) -> None:
        method_class(cfg)

    def build(self, cfg: ImageConfig, device: torch.device, *, fresh: bool) -> TrainingParts:
        data = load_image_data(cfg)
        method = build_method(cfg, data.channels, data.image_size)
        if cfg.model.init_from is not None and fresh:
            load_backbone(method, Path(cfg.model.init_from).expanduser())
        method = method.to(device)
        record = {
            "input": {
                "channels": data.channels,
                "image_size": data.image_size,
                "mean": list(data.recipe.mean),
                "std": list(data.recipe.std),
            },
            # what the source held: a folder's unreadable files and escaping symlinks, also
            # logged as one warning when the folder is read
            "data": {"source": cfg.data.source, "images": len(data.train), **data.left_out},
        }
        return TrainingParts(method, build_stream(cfg, data, device), record)

    def monitor(
        self, cfg: ImageConfig, parts: TrainingParts, settings: LoopSettings, device: torch.device
    ) -> Monitor | None:
        from contrastkit.tasks.images.monitor import build_monitor

        return build_monitor(
            cfg, parts.stream, parts.record["input"], device, warmup_steps=settings.warmup_steps
        )

    def restore(self, cfg: ImageConfig, record: Mapping[str, Any]) -> nn.Module:
        return build_method(cfg, record["input"]["channels"], record["input"]["image_size"])

    def encoder(self, run: TrainedRun, device: torch.device) -> ImageEncoder:
        cfg: ImageConfig = run.config
        spec = {
            "backbone": cfg.model.backbone,
            "backbone_options": cfg.model.backbone_options,
            "channels_last": cfg.model.channels_last,
        }
        backbone = encoder_of(run.method)
        return ImageEncoder(backbone, spec=spec, input=run.record["input"], device=device)

    def read_items(self, cfg: ImageConfig, source: str | None, split: str) -> Items:
        from contrastkit.data.sources import image_items

        source = source or cfg.data.source
        return image_items(
            source, split, image_size=cfg.data.image_size, on_error=cfg.data.on_error
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
        from dataclasses import asdict

        from contrastkit.tasks.images.evaluate import evaluate_encoder

        cfg: ImageConfig = with_overrides(run.config, overrides)
        if data is not None:
            cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"eval_source": data})})
        test = load_eval_data(cfg)
        if test is None:
            raise ConfigError(
                f"{cfg.data.source} has no test split; pass labelled data with --data"
            )
        bank = cfg.model_copy(
            update={"data": cfg.data.model_copy(update={"max_samples": cfg.eval.max_train})}
        )
        encoder = self.encoder(run, device)
        report = evaluate_encoder(
            encoder.backbone,
            load_image_data(bank).train,
            test,
            encoder.prepare,
            device=device,
            knn_k=cfg.eval.knn_k,
            knn_temperature=cfg.eval.knn_temperature,
            probe_epochs=cfg.eval.probe_epochs if cfg.eval.probe else None,
            progress=progress,
        )
        probe = "skipped" if report.probe_accuracy is None else f"{report.probe_accuracy:.2%}"
        summary = (
            f"kNN accuracy {report.knn_accuracy:.2%} (k={report.knn_k}, "
            f"τ={report.knn_temperature:g})  linear probe {probe}  (step {run.step})"
        )
        return Evaluation(asdict(report), summary)

    def sweep_point(
        self, run_dir: Path, cfg: ImageConfig, *, max_test: int | None, progress: bool
    ) -> dict[str, float]:
        from contrastkit.diagnostics import alignment, uniformity
        from contrastkit.engine.build import resolve_device
        from contrastkit.engine.run import load_run
        from contrastkit.tasks.images.collect import GEOMETRY_SAMPLES, embed_run

        device = resolve_device(cfg.device)
        run = embed_run(
            load_run(run_dir, self, device),
            device=device,
            max_test=max_test,
            max_train=None,  # eval.max_train of the run, else 10,000
            seed=cfg.seed,
            progress=progress,
        )
        knn = run.knn_accuracy(k=cfg.eval.knn_k, temperature=cfg.eval.knn_temperature)
        if knn is None:
            raise ValueError(
                "a sweep measures kNN accuracy and needs labelled train and test images"
            )
        pairs = run.pairs(GEOMETRY_SAMPLES, seed=cfg.seed)
        return {
            "knn_accuracy": knn,
            "alignment": float(alignment(pairs.z1, pairs.z2)),
            "uniformity": float(uniformity(pairs.z1)),
        }

    def report_sections(
        self, run: TrainedRun, options: Mapping[str, Any], device: torch.device
    ) -> tuple[list[tuple[str, Section]], dict[str, Any]]:
        from contrastkit.tasks.images.report import report_sections

        return report_sections(run, options, device)


TASK = ImagesTask()
