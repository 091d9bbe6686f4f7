"""The settings of an image run: pydantic models built from YAML and ``--set`` pairs.

Library classes never see these objects; ``tasks/images/build.py`` turns them into keyword
arguments. Every field is documented where it is declared; unknown keys are rejected with
their path. The shared fields (budget, seed, device, optimiser, …) are
:class:`~contrastkit.engine.settings.RunConfig`'s.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from contrastkit.engine.settings import OptimSettings, RunConfig, Strict

__all__ = ["ImageConfig", "OptimSettings"]


class DataSettings(Strict):
    source: str = "fashion-mnist"  # fashion-mnist | folder:PATH | npz:PATH
    eval_source: str | None = None  # labelled data for kNN/probe; default: the test split
    image_size: int = Field(default=64, ge=8)  # images of a folder are resized/cropped to this
    augment: Literal["auto", "batched", "per_sample"] = "auto"  # auto: batched (kornia)
    num_workers: int = Field(default=0, ge=0)  # DataLoader workers (per-sample path, folders)
    # random: batches from a permutation; class_balanced: per_class samples of each of
    # batch·world / per_class classes per global batch (labels needed; SupCon, hard miners)
    sampler: Literal["random", "class_balanced"] = "random"
    per_class: int = Field(default=4, ge=1)
    max_samples: int | None = Field(default=None, ge=2)  # train on the first N samples only
    # an unreadable image file in a folder: "raise" names it and stops (DESIGN.md: the
    # default, so a broken dataset is never trained on unnoticed); "skip" leaves it out,
    # counted in one warning and in every checkpoint.
    on_error: Literal["raise", "skip"] = "raise"
    # the augmentation recipe is the source's preset (augment/recipe.py); these replace
    # single fields of it: the RandomResizedCrop area range and the colour-jitter strength s
    crop_scale: tuple[float, float] | None = None
    jitter_strength: float | None = Field(default=None, ge=0)
    # multi-crop (SwAV, DINO only): extra small views per image beside the two large ones.
    # Off by default: at 28 px a small crop is ~12 px, 2×2 after the small CNN's strides.
    small_crops: int = Field(default=0, ge=0)  # V; SwAV uses 6 and DINO 10 on ImageNet
    small_crop_size: int | None = Field(default=None, ge=4)  # default 3/7 of the size (96/224)
    small_crop_scale: tuple[float, float] = (0.05, 0.14)  # area fraction (SwAV's)


class ModelSettings(Strict):
    backbone: str = "small_cnn"  # small_cnn | resnet18 | resnet34 | resnet50 | mlp
    # keyword arguments of the backbone's class, e.g. {width: 64, grid: 4} for small_cnn or
    # {cifar_stem: false} for a ResNet (nn/backbones.py)
    backbone_options: dict[str, Any] = Field(default_factory=dict)
    projection_hidden: int = Field(default=512, ge=1)
    projection_dim: int = Field(default=128, ge=1)
    # convolutions in NHWC memory layout (nn/memory_format.py): same model, faster kernels
    channels_last: bool = True
    # start the backbone from a trained run's (a run directory or a checkpoint file): the
    # pre-train-then-fine-tune recipe; heads start fresh
    init_from: str | None = None


class EvalSettings(Strict):
    knn_k: int = Field(default=200, ge=1)
    knn_temperature: float = Field(default=0.1, gt=0)
    probe: bool = True  # also fit a linear probe (`contrastkit eval --no-probe` turns it off)
    probe_epochs: int = Field(default=50, ge=1)
    max_train: int | None = Field(default=None, ge=1)  # kNN bank / probe train size cap


class MonitorSettings(Strict):
    """Health checks in the loop (engine/monitor.py) and the collapse detector."""

    every: int = Field(default=50, ge=0)  # steps between probe-batch checks; 0 turns them off
    # consecutive checks a collapse rule must hold before it fires (engine/collapse.py)
    collapse_patience: int = Field(default=3, ge=1)
    stop_on_collapse: bool = False  # end the run (checkpoint written) when collapse is found
    knn_every: int | None = Field(default=None, ge=1)  # steps between kNN checks; None: off
    # validation images of the kNN check (half memory bank, half queries; eval.knn_k and
    # eval.knn_temperature apply); from data.eval_source or the source's test split
    knn_samples: int = Field(default=2000, ge=4)


class EarlyStopSettings(Strict):
    """Stop when a monitored metric stops improving; checkpoints/best.pt keeps the best."""

    # none | probe_uniformity (lower is better; needs monitor.every > 0) | knn_accuracy
    # (higher is better; needs monitor.knn_every)
    metric: Literal["none", "probe_uniformity", "knn_accuracy"] = "none"
    patience: int = Field(default=5, ge=1)  # checks without improvement before stopping
    min_delta: float = Field(default=0.0, ge=0)  # an improvement must beat the best by more
    start_step: int | None = Field(default=None, ge=0)  # earlier checks ignored; None: warm-up end


class ImageConfig(RunConfig):
    """The settings of an image run (every field of :class:`RunConfig` too)."""

    task: Literal["images"] = "images"
    method: str = "simclr"  # a name in METHODS (tasks/images/methods.py)
    temperature: float | None = Field(default=None, gt=0)  # None: the method's paper default
    # learn τ from that value on, clamped to [0.01, 1] as in CLIP (losses/temperature.py);
    # methods whose loss takes it (SimCLR); logged as temperature and temperature_grad
    learnable_temperature: bool = False
    # keyword arguments of the method's class beyond the common ones above and in `model`,
    # e.g. {queue_size: 8192, base_momentum: 0.99}; checked against the class signature
    method_options: dict[str, bool | int | float | str] = Field(default_factory=dict)
    data: DataSettings = DataSettings()
    model: ModelSettings = ModelSettings()
    eval: EvalSettings = EvalSettings()
    monitor: MonitorSettings = MonitorSettings()
    early_stop: EarlyStopSettings = EarlyStopSettings()

    @model_validator(mode="after")
    def _early_stop_is_measured(self) -> ImageConfig:
        metric = self.early_stop.metric
        if metric == "probe_uniformity" and self.monitor.every == 0:
            raise ValueError(
                "early_stop.metric=probe_uniformity needs the probe: set monitor.every > 0"
            )
        if metric == "knn_accuracy" and self.monitor.knn_every is None:
            raise ValueError(
                "early_stop.metric=knn_accuracy needs the kNN check: set monitor.knn_every"
            )
        return self
