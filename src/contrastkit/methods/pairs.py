"""Supervised text pairs: (anchor, positive[, hard negatives…]) with in-batch negatives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from contrastkit.losses import info_nce
from contrastkit.text.cached import embed_columns
from contrastkit.types import StepOutput, TextBatch


class Pairs(nn.Module):
    """InfoNCE over text pairs, sentence-transformers' MultipleNegativesRankingLoss.

    Each anchor must pick its positive among every positive in the batch and every hard
    negative (all negatives columns, shared by all anchors), by cosine similarity over τ.
    Henderson et al. 2017 (https://arxiv.org/abs/1705.00652); supervised SimCSE (Gao et al.
    2021, https://arxiv.org/abs/2104.08821) is this with one hard-negative column.

    Args:
        encoder: a :class:`~contrastkit.text.TextEncoder` (anything mapping tokens → (B, D)).
        temperature: τ (0.05 = sentence-transformers' scale 20, SimCSE's τ).
        symmetric: also make each positive pick its anchor (CLIP-style).
        cache_batch: embed in mini-batches of this size with gradient caching
            (:mod:`contrastkit.text.cached`): the same loss and gradients in bounded memory.
        gather_distributed: in-batch negatives from every rank, with the full gradient.

    Train with a no-duplicates sampler (:class:`~contrastkit.negatives.NoDuplicateBatches`):
    a text twice in one batch is a false negative.
    """

    def __init__(
        self,
        encoder: nn.Module,
        *,
        temperature: float = 0.05,
        symmetric: bool = False,
        cache_batch: int | None = None,
        gather_distributed: bool = False,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.temperature, self.symmetric = temperature, symmetric
        self.cache_batch, self.gather_distributed = cache_batch, gather_distributed

    def training_step(self, batch: TextBatch) -> StepOutput:
        columns = self.training_columns(batch)
        if len(columns) < 2:
            raise ValueError("pairs needs (anchor, positive[, negatives…]) columns; got one")
        loss, (a, p, *_) = embed_columns(self.encoder, columns, self.loss, self.cache_batch)
        return StepOutput(loss, a, p)

    @torch.no_grad()
    def project(self, batch: TextBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """Anchors' and positives' embeddings, for the monitor's probe (no side effects)."""
        anchors, positives = self.training_columns(batch)[:2]
        return self.encoder(anchors), self.encoder(positives)

    def training_columns(self, batch: TextBatch) -> tuple[Mapping[str, torch.Tensor], ...]:
        """The tokenized columns the loss embeds: (anchor, positive[, negatives…])."""
        return batch.columns

    def loss(self, embeddings: Sequence[torch.Tensor]) -> torch.Tensor:
        """InfoNCE of embedded columns: anchors (B, D), positives (B, D), negatives (B, D)…"""
        anchors, positives, *negatives = embeddings
        return info_nce(
            anchors,
            positives,
            temperature=self.temperature,
            negatives=torch.cat(negatives) if negatives else None,
            symmetric=self.symmetric,
            gather_distributed=self.gather_distributed,
        )
