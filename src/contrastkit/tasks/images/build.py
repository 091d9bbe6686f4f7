"""Build an image run from its settings: the data, the method over its backbone, the stream.

This is the one place that reads an :class:`ImageConfig`; every part below receives explicit
keyword arguments (STYLE.md principle 6).
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.engine.checkpoint import load_checkpoint, load_latest
from contrastkit.engine.config import ConfigError
from contrastkit.engine.sampler import EpochBatches, IndexBatches
from contrastkit.methods.base import MultiCrop, NeedsLabels
from contrastkit.tasks.images.config import ImageConfig
from contrastkit.tasks.images.methods import METHODS
from contrastkit.tasks.images.views import BatchedViews, PerSampleViews

if TYPE_CHECKING:
    from contrastkit.augment import SimCLRRecipe


@dataclass(frozen=True)
class ImageData:
    """Training images and what the parts built on them need to know."""

    train: Any  # ImageArrays or an image Dataset
    channels: int
    image_size: int
    recipe: SimCLRRecipe
    # files a folder source left out: {"skipped": unreadable, "escaped": symlinks outside}
    left_out: dict[str, int] = dataclasses.field(default_factory=dict)


def load_image_data(cfg: ImageConfig, split: str = "train") -> ImageData:
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


def load_eval_data(cfg: ImageConfig) -> Any | None:
    """Labelled data to evaluate on: ``data.eval_source`` or the source's test split."""
    if cfg.data.eval_source is not None:
        return _load(cfg, cfg.data.eval_source, "train")
    if cfg.data.source == "fashion-mnist":
        return _load(cfg, "fashion-mnist", "test")
    return None


def _load(cfg: ImageConfig, spec: str, split: str) -> Any:
    from contrastkit.data import load_images

    return load_images(spec, split, image_size=cfg.data.image_size, on_error=cfg.data.on_error)


def _folder_report(data: Any) -> dict[str, int]:
    """What reading the source left out: unreadable files and symlinks leading outside."""
    return {"skipped": getattr(data, "skipped", 0), "escaped": getattr(data, "escaped", 0)}


def build_method(cfg: ImageConfig, channels: int, image_size: int) -> nn.Module:
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


def method_class(cfg: ImageConfig) -> type[nn.Module]:
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


def _common_options(cfg: ImageConfig) -> dict[str, Any]:
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


def build_stream(
    cfg: ImageConfig, data: ImageData, device: torch.device
) -> BatchedViews | PerSampleViews:
    from contrastkit.augment import BatchedAugment, TwoViews, per_sample_transform

    check_method_data(cfg, data)
    batches = _batches(cfg, data)
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


def _batches(cfg: ImageConfig, data: ImageData) -> IndexBatches:
    """The index batches ``data.sampler`` asks for."""
    rank, world = distributed.rank(), distributed.world_size()
    if cfg.data.sampler == "random":
        return EpochBatches(
            len(data.train), cfg.optim.batch_size, seed=cfg.seed, rank=rank, world=world
        )
    from contrastkit.negatives import ClassBalancedBatches

    labels = getattr(data.train, "labels", None)
    if not isinstance(labels, torch.Tensor) or not _fully_labelled(data.train):
        raise ConfigError(
            "data.sampler=class_balanced needs a labelled source (every image a class)"
        )
    per_class, global_batch = cfg.data.per_class, cfg.optim.batch_size * world
    if global_batch % per_class:
        raise ConfigError(
            f"data.sampler=class_balanced: the global batch {global_batch} must be a multiple of "
            f"data.per_class {per_class}"
        )
    try:
        return ClassBalancedBatches(
            labels, m=per_class, classes_per_batch=global_batch // per_class,
            seed=cfg.seed, rank=rank, world=world,
        )  # fmt: skip
    except ValueError as e:
        raise ConfigError(str(e)) from None


def check_method_data(cfg: ImageConfig, data: ImageData) -> None:
    """What the method asks of the data: labels (:class:`NeedsLabels`: SupCon), and small
    crops only for a method that uses them (:class:`MultiCrop`: SwAV, DINO), on the batched
    path. Asked of the class: nothing is built yet."""
    cls = method_class(cfg)
    if isinstance(cls, NeedsLabels) and not _fully_labelled(data.train):
        raise ConfigError(
            f"method {cfg.method!r} needs a labelled dataset but {cfg.data.source!r} has "
            "unlabelled images; use fashion-mnist, a folder with one sub-folder per class, "
            "or an npz file with labels"
        )
    if cfg.data.small_crops == 0:
        return
    if not isinstance(cls, MultiCrop):
        users = ", ".join(sorted(n for n, c in METHODS.items() if isinstance(c, MultiCrop)))
        raise ConfigError(
            f"data.small_crops is {cfg.data.small_crops} but method {cfg.method!r} uses two "
            f"views only; set data.small_crops=0 or use a multi-crop method ({users})"
        )
    if cfg.data.augment == "per_sample":
        raise ConfigError(
            "data.small_crops needs the batched augmentation; set data.augment=batched"
        )


def _multi_crop(cfg: ImageConfig, data: ImageData) -> nn.Module:
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


def _shape_of(data: Any) -> tuple[int, int]:
    images = getattr(data, "images", None)
    if isinstance(images, torch.Tensor):
        return int(images.shape[1]), int(images.shape[-1])
    image, _ = data[0]
    return int(image.shape[0]), int(image.shape[-1])


def load_backbone(method: nn.Module, source: Path) -> None:
    """Copy the backbone weights of a run directory's newest checkpoint (or of a checkpoint
    file) into ``method.backbone``; every backbone tensor must be there with its shape."""
    state = load_checkpoint(source) if source.is_file() else load_latest(source / "checkpoints")
    if state is None:
        raise FileNotFoundError(f"model.init_from: no checkpoint in {source}")
    prefix = "backbone."
    weights = {k[len(prefix) :]: v for k, v in state["model"].items() if k.startswith(prefix)}
    try:
        method.backbone.load_state_dict(weights)  # type: ignore[union-attr]
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0]
        raise ConfigError(
            f"model.init_from: {source} holds a different backbone ({first}); use a run "
            "trained with the same model.backbone, model.backbone_options and input"
        ) from None
