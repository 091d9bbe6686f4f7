"""The text task: sentence encoders fine-tuned contrastively, as one :class:`Task`."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from contrastkit.engine.config import ConfigError, with_overrides
from contrastkit.engine.loop import LoopSettings
from contrastkit.engine.run import TrainedRun
from contrastkit.tasks.base import Evaluation, TrainingParts
from contrastkit.tasks.text.build import batches_of, build_text_method, check_columns
from contrastkit.tasks.text.config import TextConfig
from contrastkit.tasks.text.methods import METHODS
from contrastkit.text import TextEncoder
from contrastkit.types import Items

log = logging.getLogger(__name__)


class TextTask:
    """Text: SimCSE and pairs (``METHODS``) over a Hugging Face encoder on STS-B, the news
    pairs or JSONL/CSV/TSV rows; evaluated by STS-B correlation and retrieval; exported as a
    sentence-transformers directory."""

    name = "text"
    unit = "texts"
    config = TextConfig
    methods = METHODS
    export_format = "sentence-transformers"

    def check(self, cfg: TextConfig) -> None:
        """Nothing to check before the data: the settings model has checked the method."""

    def build(self, cfg: TextConfig, device: torch.device, *, fresh: bool) -> TrainingParts:
        from contrastkit.data.text_sources import load_text_rows
        from contrastkit.tasks.text.stream import TextStream

        rows = load_text_rows(cfg.data.source, "train", columns=cfg.data.columns)
        check_columns(cfg, rows.columns)
        data = rows.rows[: cfg.data.max_samples] if cfg.data.max_samples else rows.rows
        method = build_text_method(cfg).to(device)
        encoder: TextEncoder = method.encoder  # type: ignore[assignment]
        stream = TextStream(data, batches_of(cfg, data), encoder.tokenize, device)
        record = {
            "data": {"source": cfg.data.source, "rows": len(data), "columns": list(rows.columns)}
        }
        return TrainingParts(method, stream, record)

    def monitor(
        self, cfg: TextConfig, parts: TrainingParts, settings: LoopSettings, device: torch.device
    ) -> None:
        return None  # the loop still logs each logged step's alignment and uniformity

    def restore(self, cfg: TextConfig, record: Mapping[str, Any]) -> nn.Module:
        return build_text_method(cfg)

    def encoder(self, run: TrainedRun, device: torch.device) -> TextEncoder:
        encoder: TextEncoder = run.method.encoder  # type: ignore[assignment]
        return encoder.to(device)

    def read_items(self, cfg: TextConfig, source: str | None, split: str) -> Items:
        from contrastkit.data.text_sources import text_items

        return text_items(source or cfg.data.source, split)

    def evaluate(
        self,
        run: TrainedRun,
        *,
        data: str | None,
        overrides: Sequence[str],
        device: torch.device,
        progress: bool,
    ) -> Evaluation:
        from contrastkit.data.text_sources import load_text_rows
        from contrastkit.tasks.text.evaluate import pair_retrieval, sts_score

        cfg: TextConfig = with_overrides(run.config, overrides)
        encoder, size = self.encoder(run, device), cfg.eval.batch_size
        scores: dict[str, float] = {}
        if cfg.eval.sts_split is not None:
            scores.update(
                sts_score(encoder, cfg.eval.sts_split, batch_size=size, progress=progress)
            )
        pairs = None
        if data is not None:
            pairs = load_text_rows(data, "train")
        elif ":" in cfg.data.source:  # a file has no held-out split of its own
            log.warning("no retrieval: %s has no held-out split; pass --data", cfg.data.source)
        elif cfg.eval.retrieval_split is not None:
            pairs = load_text_rows(cfg.data.source, cfg.eval.retrieval_split, cfg.data.columns)
        if pairs is not None:
            if len(pairs.columns) < 2:
                raise ConfigError("retrieval needs (query, document) columns; pass --data")
            scores.update(
                pair_retrieval(
                    encoder, pairs.column(0), pairs.column(1), batch_size=size, progress=progress
                )
            )
        summary = "  ".join(f"{k} {v:.4f}" for k, v in scores.items()) + f"  (step {run.step})"
        return Evaluation({"step": run.step, **scores}, summary)


TASK = TextTask()
