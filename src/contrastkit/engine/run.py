"""A training run from config to run directory, and reopening a run to use its model.

A run directory holds ``config.json``, ``checkpoints/`` (``best.pt`` too, with early
stopping), ``metrics.jsonl``, ``tb/`` (TensorBoard events) and, after evaluation,
``eval.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel
from torch import nn

from contrastkit import distributed
from contrastkit.engine.build import (
    build_method,
    build_monitor,
    build_stream,
    load_image_data,
    loop_settings,
    method_class,
    optimizer_of,
    resolve_device,
)
from contrastkit.engine.checkpoint import list_checkpoints, load_checkpoint, load_latest
from contrastkit.engine.config import ConfigError, TrainConfig
from contrastkit.engine.loop import TrainResult, train

# settings that may change between a run and its resumption (budget and bookkeeping)
_RESUMABLE_CHANGES = {
    "epochs",
    "steps",
    "device",
    "log_every",
    "checkpoint_every",
    "keep_checkpoints",
    "monitor",
    "early_stop",
}


def train_run(
    cfg: TrainConfig, out_dir: Path, *, resume: str = "never", progress: bool = True
) -> TrainResult:
    """Train per ``cfg`` into ``out_dir``. ``resume``: "never", "auto" or a checkpoint path."""
    device = resolve_device(cfg.device)
    method_class(cfg)  # an unknown method or method option fails before any data loads
    distributed.init_from_env(device.type)
    state = resume_state(cfg, out_dir, resume)
    if distributed.is_main():
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "config.json").write_text(cfg.model_dump_json(indent=2) + "\n")
    data = load_image_data(cfg)
    torch.manual_seed(cfg.seed)  # identical initial weights on every rank and every run
    method = build_method(cfg, data.channels, data.image_size)
    if cfg.model.init_from is not None and state is None:
        load_backbone(method, Path(cfg.model.init_from).expanduser())
    method = method.to(device)
    stream = build_stream(cfg, data, device)
    optimizer = optimizer_of(cfg, method)
    settings = loop_settings(cfg, len(stream.batches), progress, method=method)
    extra = {
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
    monitor = build_monitor(cfg, stream, extra["input"], device, warmup_steps=settings.warmup_steps)
    return train(
        method,
        stream,
        optimizer,
        settings,
        out_dir,
        device=device,
        config_json=cfg.model_dump_json(),
        extra=extra,
        resume=state,
        monitor=monitor,
    )


def resume_state(cfg: BaseModel, out_dir: Path, resume: str) -> dict[str, Any] | None:
    """The checkpoint to continue from, None to start fresh; refuses changed settings."""
    checkpoints = out_dir / "checkpoints"
    if resume == "never":
        if list_checkpoints(checkpoints):
            raise ConfigError(
                f"{out_dir} already holds checkpoints; continue it with --resume auto "
                "or choose a new --out"
            )
        return None
    state = load_latest(checkpoints) if resume == "auto" else load_checkpoint(Path(resume))
    if state is None:
        return None  # "auto" with nothing to resume starts fresh
    saved = json.loads(state["config"])
    now = json.loads(cfg.model_dump_json())
    changed = sorted(k for k in now if k not in _RESUMABLE_CHANGES and now[k] != saved.get(k))
    if changed:
        raise ConfigError(
            f"the checkpoint in {out_dir} was trained with different settings ({', '.join(changed)}); "
            "resume with the same settings or choose a new --out"
        )
    return state


@dataclass(frozen=True)
class TrainedModel:
    config: TrainConfig
    method: nn.Module
    input: dict[str, Any]  # channels, image_size, mean, std
    step: int


def load_trained(run_dir: Path, device: torch.device | None = None) -> TrainedModel:
    """Rebuild the method of ``run_dir`` from its newest checkpoint, in eval mode."""
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} does not exist")
    state = load_latest(run_dir / "checkpoints")
    if state is None:
        raise FileNotFoundError(f"no checkpoint in {run_dir / 'checkpoints'}; train first")
    cfg = TrainConfig.model_validate_json(state["config"])
    info = state["input"]
    method = build_method(cfg, info["channels"], info["image_size"])
    method.load_state_dict(state["model"])
    method.to(device or torch.device("cpu")).eval()
    return TrainedModel(cfg, method, info, state["step"])


def write_json(path: Path, value: Any) -> None:
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    path.write_text(json.dumps(value, indent=2) + "\n")


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
