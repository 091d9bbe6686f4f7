"""Build a text run from its settings: the rows, the encoder inside its method, the stream.

A checkpoint holds the whole method, encoder weights included; reopening a run reads the base
model's architecture and tokenizer again (``model.name``) and then loads the trained weights
over them.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from contrastkit import distributed
from contrastkit.engine.config import ConfigError
from contrastkit.engine.sampler import EpochBatches, IndexBatches
from contrastkit.tasks.text.config import TextConfig
from contrastkit.tasks.text.methods import METHODS


def build_text_method(cfg: TextConfig) -> nn.Module:
    """The encoder of ``cfg.model`` inside the method of ``cfg.method``."""
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
    return METHODS[cfg.method](encoder, **options)


def batches_of(cfg: TextConfig, rows: list[tuple[str, ...]]) -> IndexBatches:
    """The sampler: no-duplicates batches (a text twice in a batch is a false negative)
    unless ``data.no_duplicates`` is off; sharded by rank."""
    from contrastkit.negatives import NoDuplicateBatches

    shard = {"seed": cfg.seed, "rank": distributed.rank(), "world": distributed.world_size()}
    if cfg.data.no_duplicates:
        return NoDuplicateBatches(rows, cfg.optim.batch_size, **shard)
    return EpochBatches(len(rows), cfg.optim.batch_size, **shard)


def check_columns(cfg: TextConfig, columns: tuple[str, ...]) -> None:
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
