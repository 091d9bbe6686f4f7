"""Turn a validated :class:`TrainConfig` into the parts the loop needs.

This is the one place that reads the config; every part below receives explicit keyword
arguments (STYLE.md principle 6).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.engine.config import ConfigError, TrainConfig
from contrastkit.engine.early_stop import EARLY_STOP_METRICS, EarlyStopping
from contrastkit.engine.loop import LoopSettings
from contrastkit.engine.monitor import KnnCheck, Monitor, draw_probe
from contrastkit.engine.optim import build_optimizer
from contrastkit.engine.sampler import EpochBatches
from contrastkit.engine.schedules import cosine_momentum
from contrastkit.engine.text_config import TextTrainConfig
from contrastkit.engine.views import BatchedViews, PerSampleViews, ViewStream
from contrastkit.methods import METHODS

if TYPE_CHECKING:
    from contrastkit.augment import SimCLRRecipe


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
    recipe: SimCLRRecipe
    # files a folder source left out: {"skipped": unreadable, "escaped": symlinks outside}
    left_out: dict[str, int] = dataclasses.field(default_factory=dict)


def load_image_data(cfg: TrainConfig, split: str = "train") -> ImageData:
    from contrastkit.augment import SimCLRRecipe

    data = _load(cfg, cfg.data.source, split)
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
    if channels == 1 and len(recipe.mean) != 1:  # grayscale under an RGB preset
        recipe = dataclasses.replace(recipe, mean=recipe.mean[:1], std=recipe.std[:1])
    changes: dict[str, Any] = {
        "crop_scale": cfg.data.crop_scale,
        "jitter_strength": cfg.data.jitter_strength,
    }
    try:
        recipe = dataclasses.replace(recipe, **{k: v for k, v in changes.items() if v is not None})
    except ValueError as e:
        raise ConfigError(f"invalid augmentation setting: {e}") from e
    return ImageData(data, channels, size, recipe, _folder_report(data))


def load_eval_data(cfg: TrainConfig) -> Any | None:
    """Labelled data to evaluate on: ``data.eval_source`` or the source's test split."""
    if cfg.data.eval_source is not None:
        return _load(cfg, cfg.data.eval_source, "train")
    if cfg.data.source == "fashion-mnist":
        return _load(cfg, "fashion-mnist", "test")
    return None


def _load(cfg: TrainConfig, spec: str, split: str) -> Any:
    from contrastkit.data import load_images

    return load_images(spec, split, image_size=cfg.data.image_size, on_error=cfg.data.on_error)


def _folder_report(data: Any) -> dict[str, int]:
    """What reading the source left out: unreadable files and symlinks leading outside."""
    return {"skipped": getattr(data, "skipped", 0), "escaped": getattr(data, "escaped", 0)}


def build_method(cfg: TrainConfig, channels: int, image_size: int) -> nn.Module:
    """The method class of ``cfg.method`` over its backbone.

    The common settings (projection sizes, temperature and whether it is learned, gathering
    under DDP) go to the classes whose signature takes them; ``cfg.method_options`` go as
    they are.
    """
    from contrastkit.nn import build_backbone
    from contrastkit.nn.memory_format import use_channels_last

    cls = method_class(cfg)
    try:
        backbone = build_backbone(
            cfg.model.backbone,
            in_channels=channels,
            image_size=image_size,
            **cfg.model.backbone_options,
        )
    except (TypeError, ValueError) as e:
        raise ConfigError(
            f"cannot build backbone {cfg.model.backbone!r} with model.backbone_options "
            f"{cfg.model.backbone_options}: {e}"
        ) from e
    if cfg.model.channels_last and any(isinstance(m, nn.Conv2d) for m in backbone.modules()):
        use_channels_last(backbone)
    accepted = inspect.signature(cls.__init__).parameters
    common = {k: v for k, v in _common_options(cfg).items() if k in accepted}
    try:
        return cls(backbone, **common, **cfg.method_options)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"cannot build method {cfg.method!r} with these settings: {e}") from e


def method_class(cfg: TrainConfig) -> type[nn.Module]:
    """The class of ``cfg.method``, once its name and ``method_options`` are checked.

    Cheap (builds nothing), so a run can fail on a config mistake before loading data.
    """
    if cfg.method not in METHODS:
        known = ", ".join(sorted(METHODS))
        raise ConfigError(f"unknown method {cfg.method!r}; choose one of: {known}")
    cls = METHODS[cfg.method]
    if cfg.learnable_temperature and not _takes(cls, "learnable_temperature"):
        able = ", ".join(
            sorted(n for n, c in METHODS.items() if _takes(c, "learnable_temperature"))
        )
        raise ConfigError(
            f"method {cfg.method!r} has no learnable temperature; set "
            f"learnable_temperature=false or use one of: {able}"
        )
    allowed = method_options_of(cls)
    unknown = sorted(set(cfg.method_options) - set(allowed))
    if unknown:
        raise ConfigError(
            f"unknown method_options {', '.join(map(repr, unknown))} for method "
            f"{cfg.method!r}; allowed: {', '.join(allowed) or 'none'}"
        )
    return cls


def _takes(cls: type[nn.Module], name: str) -> bool:
    return name in inspect.signature(cls.__init__).parameters


def method_options_of(cls: type[nn.Module]) -> list[str]:
    """The keyword arguments of ``cls`` settable through ``method_options``: all but the
    backbone and the common settings, which have their own config fields."""
    params = inspect.signature(cls.__init__).parameters.values()
    return sorted(
        p.name
        for p in params
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in _COMMON_OPTIONS
    )


_COMMON_OPTIONS = (
    "projection_hidden",
    "projection_dim",
    "temperature",
    "learnable_temperature",
    "gather_distributed",
)


def _common_options(cfg: TrainConfig) -> dict[str, Any]:
    options: dict[str, Any] = {
        "projection_hidden": cfg.model.projection_hidden,
        "projection_dim": cfg.model.projection_dim,
        "gather_distributed": distributed.is_distributed(),
    }
    if cfg.temperature is not None:  # else each method keeps its paper's default
        options["temperature"] = cfg.temperature
    if cfg.learnable_temperature:
        options["learnable_temperature"] = True
    return options


def encoder_of(method: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """The representation h = f(x) a method exposes as ``embed``: ``(B, C, H, W) → (B, dim)``."""
    embed = getattr(method, "embed", None)
    if not callable(embed):
        raise TypeError(f"{type(method).__name__} has no embed(x) method to encode images with")
    return embed


def backbone_of(method: nn.Module) -> nn.Module:
    """The encoder f a method keeps as ``backbone`` (an ``nn.Module`` exposing ``.dim``)."""
    backbone = getattr(method, "backbone", None)
    if not isinstance(backbone, nn.Module):
        raise TypeError(f"{type(method).__name__} has no backbone module")
    return backbone


def build_stream(cfg: TrainConfig, data: ImageData, device: torch.device) -> ViewStream:
    from contrastkit.augment import BatchedAugment, TwoViews, per_sample_transform

    check_method_data(cfg, data)
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
            _indexable(data.train),
            batches,
            two,
            device,
            seed=cfg.seed,
            num_workers=cfg.data.num_workers,
        )
    if cfg.data.small_crops > 0:
        views = _multi_crop(cfg, data).to(device)
        return BatchedViews(data.train, batches, views, device, cfg.data.num_workers)
    augment = BatchedAugment(data.recipe, data.channels).to(device)
    return BatchedViews(data.train, batches, augment.two_views, device, cfg.data.num_workers)


def check_method_data(cfg: TrainConfig, data: ImageData) -> None:
    """What the method asks of the data: labels (``needs_labels``: SupCon), and small crops
    only for a method that uses them (``multi_crop``: SwAV, DINO), on the batched path."""
    cls = method_class(cfg)
    if getattr(cls, "needs_labels", False) and not _fully_labelled(data.train):
        raise ConfigError(
            f"method {cfg.method!r} needs a labelled dataset but {cfg.data.source!r} has "
            "unlabelled images; use fashion-mnist, a folder with one sub-folder per class, "
            "or an npz file with labels"
        )
    if cfg.data.small_crops == 0:
        return
    if not getattr(cls, "multi_crop", False):
        users = ", ".join(sorted(n for n, c in METHODS.items() if getattr(c, "multi_crop", False)))
        raise ConfigError(
            f"data.small_crops is {cfg.data.small_crops} but method {cfg.method!r} uses two "
            f"views only; set data.small_crops=0 or use a multi-crop method ({users})"
        )
    if cfg.data.augment == "per_sample":
        raise ConfigError(
            "data.small_crops needs the batched augmentation; set data.augment=batched"
        )


def _multi_crop(cfg: TrainConfig, data: ImageData) -> nn.Module:
    from contrastkit.augment import MultiCropAugment

    try:
        return MultiCropAugment(
            data.recipe,
            data.channels,
            n_small=cfg.data.small_crops,
            small_size=cfg.data.small_crop_size,
            small_scale=cfg.data.small_crop_scale,
        )
    except ValueError as e:
        raise ConfigError(f"invalid multi-crop settings (data.small_crop_*): {e}") from e


def _fully_labelled(data: Any) -> bool:
    """False when the source says it has no labels or an unlabelled (−1) image; a dataset
    that does not say is let through (the method checks every batch)."""
    if not hasattr(data, "labels"):
        return True
    labels = data.labels
    return isinstance(labels, torch.Tensor) and len(labels) > 0 and bool((labels >= 0).all())


def _indexable(data: Any) -> Any:
    """A Dataset of ``(image, label)`` for the per-sample path: in-memory arrays get wrapped."""
    from contrastkit.data import ArrayDataset, ImageArrays

    return ArrayDataset(data) if isinstance(data, ImageArrays) else data


def total_steps(cfg: TrainConfig, steps_per_epoch: int) -> int:
    if cfg.steps is not None:
        return cfg.steps
    return (cfg.epochs or 10) * max(1, steps_per_epoch // cfg.optim.accumulate)


def loop_settings(
    cfg: TrainConfig, steps_per_epoch: int, progress: bool, method: nn.Module | None = None
) -> LoopSettings:
    """The loop's settings; a ``method`` with an EMA target also sets the momentum schedule."""
    total = total_steps(cfg, steps_per_epoch)
    warmup = cfg.optim.warmup_steps if cfg.optim.warmup_steps is not None else total // 20
    momentum = momentum_schedule(method, total) if method is not None else None
    return settings_of(cfg, total=total, warmup=warmup, progress=progress, momentum=momentum)


def optimizer_of(cfg: TrainConfig | TextTrainConfig, method: nn.Module) -> torch.optim.Optimizer:
    """The optimiser of ``cfg.optim`` over ``method``'s parameters (engine/optim.py)."""
    o = cfg.optim
    return build_optimizer(
        method, o.name, lr=o.lr, weight_decay=o.weight_decay, momentum=o.momentum
    )


def settings_of(
    cfg: TrainConfig | TextTrainConfig,
    *,
    total: int,
    warmup: int,
    progress: bool,
    momentum: Callable[[int], float] | None = None,
) -> LoopSettings:
    """:class:`LoopSettings` from the fields image and text configurations share."""
    return LoopSettings(
        momentum=momentum,
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


def build_monitor(
    cfg: TrainConfig,
    stream: ViewStream,
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
    knn = None
    if m.knn_every is not None:
        from contrastkit.engine.embed import eval_transform

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
    return Monitor(
        draw_probe(stream, cfg.seed, device) if m.every > 0 else None,
        every=m.every,
        collapse_patience=m.collapse_patience,
        stop_on_collapse=m.stop_on_collapse,
        early_stop=early,
        knn=knn,
        knn_every=m.knn_every,
    )


def momentum_schedule(method: nn.Module, total: int) -> Callable[[int], float] | None:
    """The EMA momentum of each step for a method with ``update_target``, else None.

    It rises from the method's ``base_momentum`` to 1 on BYOL's cosine over the run's
    ``total`` optimiser steps (Grill et al. 2020, Sec. 3.2; MoCo v3 does the same).
    """
    if not callable(getattr(method, "update_target", None)):
        return None
    base = getattr(method, "base_momentum", None)
    if not isinstance(base, float | int):
        raise TypeError(f"{type(method).__name__} has update_target but no base_momentum")
    return functools.partial(cosine_momentum, total=total, base=float(base))


def _shape_of(data: Any) -> tuple[int, int]:
    images = getattr(data, "images", None)
    if isinstance(images, torch.Tensor):
        return int(images.shape[1]), int(images.shape[-1])
    image, _ = data[0]
    return int(image.shape[0]), int(image.shape[-1])
