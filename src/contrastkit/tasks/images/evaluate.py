"""Evaluate an encoder on labelled images: weighted kNN and a linear probe on frozen features."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from contrastkit.tasks.images.embed import embed_images


@dataclass(frozen=True)
class EvalReport:
    knn_accuracy: float
    probe_accuracy: float | None
    n_train: int
    n_test: int
    feature_dim: int
    knn_k: int
    knn_temperature: float


def evaluate_encoder(
    encoder: Callable[[torch.Tensor], torch.Tensor],
    train: Any,
    test: Any,
    prepare: Callable[[torch.Tensor], torch.Tensor],
    *,
    device: torch.device,
    knn_k: int = 200,
    knn_temperature: float = 0.1,
    probe_epochs: int | None = 50,
    progress: bool = True,
) -> EvalReport:
    """kNN accuracy (and linear-probe accuracy unless ``probe_epochs`` is None) on ``test``,
    with ``train`` as the labelled memory bank / probe training set."""
    from contrastkit.evaluation import knn_accuracy, linear_probe

    train_x, train_y = embed_images(
        encoder, train, prepare, device=device, progress=progress, desc="embed train"
    )
    test_x, test_y = embed_images(
        encoder, test, prepare, device=device, progress=progress, desc="embed test"
    )
    if (train_y < 0).any() or (test_y < 0).any():
        raise ValueError(
            "evaluation needs labelled images; the evaluation data has unlabelled samples"
        )
    knn = knn_accuracy(train_x, train_y, test_x, test_y, k=knn_k, temperature=knn_temperature)
    probe = None
    if probe_epochs is not None:
        probe = linear_probe(train_x, train_y, test_x, test_y, epochs=probe_epochs).test_accuracy
    dim = int(train_x.shape[1])
    return EvalReport(float(knn), probe, len(train_y), len(test_y), dim, knn_k, knn_temperature)


def flatten_pixels(x: torch.Tensor) -> torch.Tensor:
    """The raw-pixel "encoder": normalised pixels as a feature vector. ``(B, C, H, W) → (B, CHW)``."""
    return x.flatten(1)
