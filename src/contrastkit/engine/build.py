"""Turn a validated :class:`TrainConfig` into the parts the loop needs.

This is the one place that reads the config; every part below receives explicit keyword
arguments (STYLE.md principle 6).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.engine.config import ConfigError, TrainConfig
from contrastkit.engine.loop import LoopSettings
from contrastkit.engine.sampler import EpochBatches
from contrastkit.engine.views import BatchedViews, PerSampleViews, ViewStream
from contrastkit.methods import METHODS


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            "device 'cuda' was asked for but no CUDA GPU is available; use --device cpu"
        )
    return device


@dataclass(frozen=True)
class ImageData:
    """Training images and what the parts built on them need to know."""

    train: Any  # ImageArrays or an image Dataset
    channels: int
    image_size: int
    recipe: Any  # SimCLRRecipe


def load_image_data(cfg: TrainConfig, split: str = "train") -> ImageData:
    from contrastkit.augment import SimCLRRecipe
    from contrastkit.data import load_images

    data = load_images(cfg.data.source, split, image_size=cfg.data.image_size)
    if cfg.data.max_samples is not None and hasattr(data, "subset"):
        data = data.subset(torch.arange(min(cfg.data.max_samples, len(data))))
    if len(data) == 0:
        raise ConfigError(f"data source {cfg.data.source!r} holds no images")
    channels, size = _shape_of(data)
    if cfg.data.source == "fashion-mnist":
        recipe = SimCLRRecipe.for_fashion_mnist()
    elif size <= 64:
        recipe = SimCLRRecipe.for_cifar(size=size)
    else:
        recipe = SimCLRRecipe.for_imagenet(size=size)
    if channels == 1 and len(recipe.mean) != 1:
        recipe = _single_channel(recipe)
    return ImageData(data, channels, size, recipe)


def load_eval_data(cfg: TrainConfig) -> Any | None:
    """Labelled data to evaluate on: ``data.eval_source`` or the source's test split."""
    from contrastkit.data import load_images

    if cfg.data.eval_source is not None:
        return load_images(cfg.data.eval_source, "train", image_size=cfg.data.image_size)
    if cfg.data.source == "fashion-mnist":
        return load_images("fashion-mnist", "test", image_size=cfg.data.image_size)
    return None


def build_method(cfg: TrainConfig, channels: int, image_size: int) -> nn.Module:
    from contrastkit.nn import build_backbone

    if cfg.method not in METHODS:
        known = ", ".join(sorted(METHODS))
        raise ConfigError(f"unknown method {cfg.method!r}; choose one of: {known}")
    backbone = build_backbone(cfg.model.backbone, in_channels=channels, image_size=image_size)
    cls = METHODS[cfg.method]
    offered = {
        "projection_hidden": cfg.model.projection_hidden,
        "projection_dim": cfg.model.projection_dim,
        "temperature": cfg.temperature,
        "gather_distributed": distributed.is_distributed(),
    }
    accepted = inspect.signature(cls.__init__).parameters
    return cls(backbone, **{k: v for k, v in offered.items() if k in accepted})


def build_stream(cfg: TrainConfig, data: ImageData, device: torch.device) -> ViewStream:
    from contrastkit.augment import BatchedAugment, TwoViews, per_sample_transform

    batches = EpochBatches(
        len(data.train),
        cfg.optim.batch_size,
        seed=cfg.seed,
        rank=distributed.rank(),
        world=distributed.world_size(),
    )
    if cfg.data.augment == "per_sample":
        two = TwoViews(per_sample_transform(data.recipe, data.channels))
        return PerSampleViews(
            data.train, batches, two, device, seed=cfg.seed, num_workers=cfg.data.num_workers
        )
    augment = BatchedAugment(data.recipe, data.channels).to(device)
    return BatchedViews(data.train, batches, augment.two_views, device, cfg.data.num_workers)


def total_steps(cfg: TrainConfig, steps_per_epoch: int) -> int:
    if cfg.steps is not None:
        return cfg.steps
    return (cfg.epochs or 10) * max(1, steps_per_epoch // cfg.optim.accumulate)


def loop_settings(cfg: TrainConfig, steps_per_epoch: int, progress: bool) -> LoopSettings:
    total = total_steps(cfg, steps_per_epoch)
    warmup = cfg.optim.warmup_steps if cfg.optim.warmup_steps is not None else total // 20
    return LoopSettings(
        total_steps=total,
        peak_lr=cfg.optim.lr,
        final_lr=cfg.optim.final_lr,
        warmup_steps=min(warmup, total),
        seed=cfg.seed,
        accumulate=cfg.optim.accumulate,
        clip_grad=cfg.optim.clip_grad,
        amp=cfg.amp,
        log_every=cfg.log_every,
        checkpoint_every=cfg.checkpoint_every,
        keep_checkpoints=cfg.keep_checkpoints,
        progress=progress,
    )


def _shape_of(data: Any) -> tuple[int, int]:
    images = getattr(data, "images", None)
    if isinstance(images, torch.Tensor):
        return int(images.shape[1]), int(images.shape[-1])
    image, _ = data[0]
    return int(image.shape[0]), int(image.shape[-1])


def _single_channel(recipe: Any) -> Any:
    import dataclasses

    return dataclasses.replace(recipe, mean=recipe.mean[:1], std=recipe.std[:1])
