"""The image task's health checks in the loop: the probe monitor and the kNN check.

The probe, collapse rules and early stopping are the engine's
(:class:`~contrastkit.engine.monitor.Monitor`); images add a :class:`KnnCheck` on labelled
validation images as a :class:`~contrastkit.engine.monitor.PeriodicCheck`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from contrastkit.engine.config import ConfigError
from contrastkit.engine.early_stop import EARLY_STOP_METRICS, EarlyStopping
from contrastkit.engine.monitor import Monitor, PeriodicCheck, draw_probe
from contrastkit.engine.stream import BatchStream
from contrastkit.methods.base import encoder_of
from contrastkit.tasks.images.build import load_eval_data
from contrastkit.tasks.images.config import ImageConfig
from contrastkit.tasks.images.embed import embed_images, eval_transform


def build_monitor(
    cfg: ImageConfig,
    stream: BatchStream,
    input_info: dict[str, Any],
    device: torch.device,
    *,
    warmup_steps: int,
) -> Monitor | None:
    """The loop's monitor per ``cfg.monitor`` and ``cfg.early_stop``; None when both are off.

    ``input_info`` is the run's input record (channels, image_size, mean, std), from which
    the kNN check prepares validation images as ``eval`` does. Early stopping ignores the
    checks before ``early_stop.start_step``, by default the end of the warm-up.
    """
    m = cfg.monitor
    if m.every == 0 and m.knn_every is None:
        return None
    early = None
    if cfg.early_stop.metric != "none":
        e = cfg.early_stop
        early = EarlyStopping(
            e.metric,
            mode=EARLY_STOP_METRICS[e.metric],
            patience=e.patience,
            min_delta=e.min_delta,
            start_step=e.start_step if e.start_step is not None else warmup_steps,
        )
    checks = []
    if m.knn_every is not None:
        validation = load_eval_data(cfg)
        if validation is None:
            raise ConfigError(
                "monitor.knn_every needs labelled validation images; set data.eval_source"
            )
        knn = KnnCheck(
            validation,
            eval_transform(input_info, device),
            samples=m.knn_samples,
            k=cfg.eval.knn_k,
            temperature=cfg.eval.knn_temperature,
            device=device,
            seed=cfg.seed,
        )
        checks.append(PeriodicCheck("knn_accuracy", m.knn_every, knn))
    return Monitor(
        draw_probe(stream, cfg.seed, device) if m.every > 0 else None,
        every=m.every,
        collapse_patience=m.collapse_patience,
        stop_on_collapse=m.stop_on_collapse,
        early_stop=early,
        checks=checks,
    )


class KnnCheck:
    """Weighted kNN accuracy (InstDisc) on a fixed labelled subset of the validation split.

    ``samples`` images are drawn once with ``seed``; the first half is the labelled memory
    bank, the second half the queries. The method's ``encoder`` runs in eval mode (the
    representation kept after training), on images prepared by ``prepare`` (the evaluation
    transform).
    """

    def __init__(
        self,
        data: Any,  # ImageArrays or a Dataset of (uint8 (C, H, W), label)
        prepare: Callable[[torch.Tensor], torch.Tensor],
        *,
        samples: int,
        k: int,
        temperature: float,
        device: torch.device,
        seed: int,
    ) -> None:
        n = min(samples, len(data))
        if n < 4:
            raise ValueError(f"the kNN check needs at least 4 validation images, got {n}")
        idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:n]
        self.bank, self.queries = _take(data, idx[: n // 2]), _take(data, idx[n // 2 :])
        self.prepare, self.k, self.temperature, self.device = prepare, k, temperature, device

    def __call__(self, method: nn.Module) -> float:
        from contrastkit.evaluation import knn_accuracy

        encoder = encoder_of(method)
        was_training = method.training
        method.eval()
        try:
            bank_x, bank_y = embed_images(
                encoder, self.bank, self.prepare, device=self.device, progress=False
            )
            query_x, query_y = embed_images(
                encoder, self.queries, self.prepare, device=self.device, progress=False
            )
        finally:
            method.train(was_training)
        if (bank_y < 0).any() or (query_y < 0).any():
            raise ValueError(
                "monitor.knn_every needs labelled validation images; set data.eval_source "
                "to labelled data or leave monitor.knn_every unset"
            )
        classes = int(max(bank_y.max(), query_y.max())) + 1
        return knn_accuracy(
            bank_x,
            bank_y,
            query_x,
            query_y,
            k=min(self.k, len(bank_y)),
            temperature=self.temperature,
            num_classes=classes,
        )


def _take(data: Any, idx: torch.Tensor) -> Any:
    if hasattr(data, "subset"):
        return data.subset(idx)
    return torch.utils.data.Subset(data, idx.tolist())
