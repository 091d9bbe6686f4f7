"""The typed training configuration: pydantic models built from YAML and ``--set`` pairs.

Library classes never see these objects; ``engine.build`` turns them into keyword arguments.
Every field is documented where it is declared; unknown keys are rejected with their path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

if TYPE_CHECKING:
    from contrastkit.engine.text_config import TextTrainConfig


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSettings(_Strict):
    source: str = "fashion-mnist"  # fashion-mnist | folder:PATH | npz:PATH
    eval_source: str | None = None  # labelled data for kNN/probe; default: the test split
    image_size: int = Field(default=64, ge=8)  # images of a folder are resized/cropped to this
    augment: Literal["auto", "batched", "per_sample"] = "auto"  # auto: batched (kornia)
    num_workers: int = Field(default=0, ge=0)  # DataLoader workers (per-sample path, folders)
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


class ModelSettings(_Strict):
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


class OptimSettings(_Strict):
    name: Literal["sgd", "adamw", "lars"] = "adamw"
    lr: float = Field(default=2e-3, gt=0)  # peak learning rate after warm-up
    final_lr: float = Field(default=0.0, ge=0)  # cosine decays to this
    weight_decay: float = Field(default=1e-4, ge=0)
    momentum: float = Field(default=0.9, ge=0, lt=1)
    warmup_steps: int | None = Field(default=None, ge=0)  # default: 5% of the run
    batch_size: int = Field(default=256, ge=2)  # per process, per micro-batch
    accumulate: int = Field(default=1, ge=1)  # micro-batches per optimiser step
    clip_grad: float | None = Field(default=None, gt=0)  # max global grad norm


class EvalSettings(_Strict):
    knn_k: int = Field(default=200, ge=1)
    knn_temperature: float = Field(default=0.1, gt=0)
    probe_epochs: int = Field(default=50, ge=1)
    max_train: int | None = Field(default=None, ge=1)  # kNN bank / probe train size cap


class MonitorSettings(_Strict):
    """Health checks in the loop (engine/monitor.py) and the collapse detector."""

    every: int = Field(default=50, ge=0)  # steps between probe-batch checks; 0 turns them off
    # consecutive checks a collapse rule must hold before it fires (engine/collapse.py)
    collapse_patience: int = Field(default=3, ge=1)
    stop_on_collapse: bool = False  # end the run (checkpoint written) when collapse is found
    knn_every: int | None = Field(default=None, ge=1)  # steps between kNN checks; None: off
    # validation images of the kNN check (half memory bank, half queries; eval.knn_k and
    # eval.knn_temperature apply); from data.eval_source or the source's test split
    knn_samples: int = Field(default=2000, ge=4)


class EarlyStopSettings(_Strict):
    """Stop when a monitored metric stops improving; checkpoints/best.pt keeps the best."""

    # none | probe_uniformity (lower is better; needs monitor.every > 0) | knn_accuracy
    # (higher is better; needs monitor.knn_every)
    metric: Literal["none", "probe_uniformity", "knn_accuracy"] = "none"
    patience: int = Field(default=5, ge=1)  # checks without improvement before stopping
    min_delta: float = Field(default=0.0, ge=0)  # an improvement must beat the best by more
    start_step: int | None = Field(default=None, ge=0)  # earlier checks ignored; None: warm-up end


class TrainConfig(_Strict):
    method: str = "simclr"
    temperature: float | None = Field(default=None, gt=0)  # None: the method's paper default
    # learn τ from that value on, clamped to [0.01, 1] as in CLIP (losses/temperature.py);
    # methods whose loss takes it (SimCLR); logged as temperature and temperature_grad
    learnable_temperature: bool = False
    # keyword arguments of the method's class beyond the common ones above and in `model`,
    # e.g. {queue_size: 8192, base_momentum: 0.99}; checked against the class signature
    method_options: dict[str, bool | int | float | str] = {}
    epochs: int | None = Field(default=None, ge=1)  # one of epochs / steps; default 10 epochs
    steps: int | None = Field(default=None, ge=1)
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    # mixed precision: bf16 on GPUs and on CPUs with AVX512-BF16/AMX (engine/precision.py); fp16 GPU only
    amp: Literal["none", "bf16", "fp16"] = "none"
    log_every: int = Field(default=20, ge=1)  # steps between metrics.jsonl rows
    checkpoint_every: int = Field(default=500, ge=1)  # steps between checkpoints (and at the end)
    keep_checkpoints: int = Field(default=2, ge=1)
    data: DataSettings = DataSettings()
    model: ModelSettings = ModelSettings()
    optim: OptimSettings = OptimSettings()
    eval: EvalSettings = EvalSettings()
    monitor: MonitorSettings = MonitorSettings()
    early_stop: EarlyStopSettings = EarlyStopSettings()

    @model_validator(mode="after")
    def _one_budget(self) -> TrainConfig:
        if self.epochs is not None and self.steps is not None:
            raise ValueError("set epochs or steps, not both")
        return self

    @model_validator(mode="after")
    def _early_stop_is_measured(self) -> TrainConfig:
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


class ConfigError(ValueError):
    """A configuration mistake; the message names the field and what is allowed."""


def load_config(
    path: Path | None = None, overrides: Sequence[str] = (), base: dict[str, Any] | None = None
) -> TrainConfig:
    """Merge ``base``, the YAML file and ``key=value`` overrides (dotted keys), then validate."""
    return _validate(TrainConfig, _raw_settings(path, overrides, base))


def load_any_config(
    path: Path | None = None, overrides: Sequence[str] = (), base: dict[str, Any] | None = None
) -> TrainConfig | TextTrainConfig:
    """As :func:`load_config`, but a text method (``simcse``, ``pairs``) gets its own model,
    :class:`~contrastkit.engine.text_config.TextTrainConfig`."""
    from contrastkit.engine.text_config import TEXT_METHOD_NAMES, TextTrainConfig

    raw = _raw_settings(path, overrides, base)
    if raw.get("method") in TEXT_METHOD_NAMES:
        return _validate(TextTrainConfig, raw)
    return _validate(TrainConfig, raw)


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], raw: dict[str, Any]) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_one_line(e, model)) from None


def _raw_settings(
    path: Path | None, overrides: Sequence[str], base: dict[str, Any] | None
) -> dict[str, Any]:
    raw: dict[str, Any] = dict(base or {})
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        loaded = yaml.safe_load(path.read_text()) or {}
        if not isinstance(loaded, dict):
            raise ConfigError(
                f"{path} must hold a mapping of settings, got {type(loaded).__name__}"
            )
        _merge(raw, loaded)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got {item!r}")
        _set_dotted(raw, key.strip(), yaml.safe_load(value))
    return raw


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


def _set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    *parents, leaf = key.split(".")
    node = raw
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(f"cannot set {key!r}: {p!r} is not a section")
    node[leaf] = value


def _one_line(e: ValidationError, model: type[BaseModel]) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "config"
    if err["type"] == "extra_forbidden":
        section = _section_of(model, err["loc"][:-1])
        known = ", ".join(sorted(section.model_fields)) if section else ""
        return f"unknown setting {where!r}; known settings here: {known}"
    return f"invalid setting {where!r}: {err['msg']}"


def _section_of(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None or not isinstance(field.annotation, type):
            return None
        model = field.annotation
    return model
