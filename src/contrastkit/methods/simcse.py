"""Unsupervised SimCSE: a sentence and itself, seen through two dropout masks, are the pair."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from contrastkit.methods.pairs import Pairs
from contrastkit.types import TextBatch


class SimCSE(Pairs):
    """Unsupervised SimCSE (Gao et al. 2021, https://arxiv.org/abs/2104.08821, Sec. 3).

    Every sentence of the batch is encoded twice in train mode; the encoder's dropout makes
    the two embeddings differ, and InfoNCE (τ = 0.05, paper) asks each to find its twin among
    the batch. Nothing but dropout is the augmentation; the paper shows it beats word
    deletion, cropping and synonym replacement. The paper's [CLS] pooling with an MLP during
    training only is not reproduced: pooling is the encoder's (mean by default).

    Args: as :class:`~contrastkit.methods.pairs.Pairs`; the batch needs one column.
    """

    def __init__(
        self,
        encoder: nn.Module,
        *,
        temperature: float = 0.05,
        cache_batch: int | None = None,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__(
            encoder,
            temperature=temperature,
            cache_batch=cache_batch,
            gather_distributed=gather_distributed,
        )

    def training_columns(self, batch: TextBatch) -> tuple[Mapping[str, torch.Tensor], ...]:
        """Each sentence twice: the two dropout masks make the pair."""
        sentences = batch.columns[0]
        return sentences, sentences
