"""A text training run (SimCSE, pairs) on the one loop, and reopening it to use its encoder.

The run directory has the layout of image runs (``config.json``, ``checkpoints/``,
``metrics.jsonl``, ``tb/``). A checkpoint holds the whole method, encoder weights included;
reopening a run reads the base model's architecture and tokenizer again (``model.name``)
and then loads the trained weights over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from contrastkit import distributed
from contrastkit.engine.build import optimizer_of, resolve_device, settings_of
from contrastkit.engine.checkpoint import load_latest
from contrastkit.engine.config import ConfigError
from contrastkit.engine.loop import LoopSettings, TrainResult, train
from contrastkit.engine.sampler import EpochBatches, IndexBatches
from contrastkit.engine.text_config import TextTrainConfig
from contrastkit.engine.text_stream import TextStream


def train_text_run(
    cfg: TextTrainConfig, out_dir: Path, *, resume: str = "never", progress: bool = True
) -> TrainResult:
    """Train the text method of ``cfg`` into ``out_dir`` (``resume`` as for image runs)."""
    from contrastkit.data.text_sources import load_text_rows
    from contrastkit.engine.run import resume_state

    device = resolve_device(cfg.device)
    distributed.init_from_env(device.type)
    state = resume_state(cfg, out_dir, resume)
    rows = load_text_rows(cfg.data.source, "train", columns=cfg.data.columns)
    _check_columns(cfg, rows.columns)
    data = rows.rows[: cfg.data.max_samples] if cfg.data.max_samples else rows.rows
    if distributed.is_main():
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "config.json").write_text(cfg.model_dump_json(indent=2) + "\n")
    torch.manual_seed(cfg.seed)  # identical initial weights (projection, random init) everywhere
    method = build_text_method(cfg).to(device)
    encoder: Any = method.encoder
    stream = TextStream(data, _batches(cfg, data), encoder.tokenize, device)
    optimizer = optimizer_of(cfg, method)
    extra = {"data": {"source": cfg.data.source, "rows": len(data), "columns": list(rows.columns)}}
    return train(
        method,
        stream,
        optimizer,
        text_loop_settings(cfg, len(stream.batches), progress),
        out_dir,
        device=device,
        config_json=cfg.model_dump_json(),
        extra=extra,
        resume=state,
    )


def build_text_method(cfg: TextTrainConfig) -> nn.Module:
    """The encoder of ``cfg.model`` inside the method of ``cfg.method``."""
    from contrastkit.methods import TEXT_METHODS
    from contrastkit.text import TextEncoder

    m = cfg.model
    encoder = TextEncoder.from_pretrained(
        m.name,
        pooling=m.pooling,
        normalize=m.normalize,
        max_length=m.max_length,
        projection_dim=m.projection_dim,
        random_init=m.random_init,
        config_overrides=m.config_overrides,
        fast_dropout=m.fast_dropout,
        packed=m.packed,
    )
    options: dict[str, Any] = {
        "temperature": cfg.temperature,
        "cache_batch": cfg.cache_batch,
        "gather_distributed": distributed.is_distributed(),
    }
    if cfg.method == "pairs":
        options["symmetric"] = cfg.symmetric
    return TEXT_METHODS[cfg.method](encoder, **options)


def text_loop_settings(cfg: TextTrainConfig, steps_per_epoch: int, progress: bool) -> LoopSettings:
    total = cfg.steps or (cfg.epochs or 1) * max(1, steps_per_epoch // cfg.optim.accumulate)
    warmup = cfg.optim.warmup_steps if cfg.optim.warmup_steps is not None else total // 10
    return settings_of(cfg, total=total, warmup=warmup, progress=progress)


def _batches(cfg: TextTrainConfig, rows: list[tuple[str, ...]]) -> IndexBatches:
    from contrastkit.negatives import NoDuplicateBatches

    kind = NoDuplicateBatches if cfg.data.no_duplicates else EpochBatches
    shard = {"seed": cfg.seed, "rank": distributed.rank(), "world": distributed.world_size()}
    if kind is NoDuplicateBatches:
        return NoDuplicateBatches(rows, cfg.optim.batch_size, **shard)
    return EpochBatches(len(rows), cfg.optim.batch_size, **shard)


def _check_columns(cfg: TextTrainConfig, columns: tuple[str, ...]) -> None:
    if cfg.method == "simcse" and len(columns) != 1:
        raise ConfigError(
            f"simcse trains on single sentences; {cfg.data.source} has columns "
            f"{', '.join(columns)}: pick one with data.columns=[NAME] or use the stsb source"
        )
    if cfg.method == "pairs" and len(columns) < 2:
        raise ConfigError(
            f"pairs needs (anchor, positive[, negatives…]) columns; {cfg.data.source} has "
            f"{', '.join(columns)}"
        )


@dataclass(frozen=True)
class TrainedText:
    config: TextTrainConfig
    method: nn.Module
    step: int

    @property
    def encoder(self) -> Any:
        return self.method.encoder


def load_trained_text(run_dir: Path, device: torch.device | None = None) -> TrainedText:
    """Rebuild the text method of ``run_dir`` from its newest checkpoint, in eval mode."""
    state = load_latest(run_dir / "checkpoints") if run_dir.is_dir() else None
    if state is None:
        raise FileNotFoundError(f"no checkpoint in {run_dir / 'checkpoints'}; train first")
    cfg = TextTrainConfig.model_validate_json(state["config"])
    method = build_text_method(cfg)
    method.load_state_dict(state["model"])
    method.to(device or torch.device("cpu")).eval()
    return TrainedText(cfg, method, state["step"])


def is_text_run(run_dir: Path) -> bool:
    """Whether ``run_dir`` was trained by a text method (its config.json says so)."""
    import json

    from contrastkit.engine.text_config import TEXT_METHOD_NAMES

    config = run_dir / "config.json"
    if not config.is_file():
        return False
    return json.loads(config.read_text()).get("method") in TEXT_METHOD_NAMES
