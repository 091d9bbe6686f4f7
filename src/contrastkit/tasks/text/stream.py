"""Batches of text tuples for the loop: indices from a sampler, tokenized per column."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import torch

from contrastkit.engine.sampler import IndexBatches
from contrastkit.types import TextBatch

Tokenize = Callable[[Sequence[str]], dict[str, torch.Tensor]]


class TextStream:
    """The text task's :class:`~contrastkit.engine.stream.BatchStream`.

    Each batch of row indices (from ``batches``: ``EpochBatches`` or ``NoDuplicateBatches``,
    both pure functions of (seed, epoch), so resuming at a batch is exact) becomes one
    :class:`~contrastkit.types.TextBatch`: every column tokenized with padding to its own
    longest text in the batch, moved to ``device``.
    """

    def __init__(
        self,
        rows: Sequence[tuple[str, ...]],
        batches: IndexBatches,
        tokenize: Tokenize,
        device: torch.device,
    ) -> None:
        self.rows, self.batches, self.tokenize, self.device = rows, batches, tokenize, device

    def epoch(self, epoch: int, start: int = 0) -> Iterator[TextBatch]:
        for idx in self.batches.epoch(epoch, start):
            tuples = [self.rows[i] for i in idx.tolist()]
            columns = tuple(
                {k: v.to(self.device) for k, v in self.tokenize(list(column)).items()}
                for column in zip(*tuples, strict=True)
            )
            yield TextBatch(columns)
