"""Pooling token embeddings into one sentence embedding: mean, CLS or max over real tokens."""

from __future__ import annotations

from typing import Literal

import torch

Pooling = Literal["mean", "cls", "max"]
POOLINGS: tuple[str, ...] = ("mean", "cls", "max")


def pool(tokens: torch.Tensor, attention_mask: torch.Tensor, mode: Pooling) -> torch.Tensor:
    """One vector per sequence from its token embeddings; padding never contributes.

    - ``mean``: average of the real tokens' embeddings (Sentence-BERT's default, Reimers &
      Gurevych 2019, https://arxiv.org/abs/1908.10084);
    - ``cls``: the first token's embedding (BERT's [CLS]; SimCSE's choice);
    - ``max``: element-wise maximum over the real tokens.

    Shapes: tokens (B, L, D), attention_mask (B, L) of 0/1 → (B, D). Every row must have at
    least one real token.
    """
    if mode == "cls":
        return tokens[:, 0]
    mask = attention_mask.unsqueeze(-1).to(tokens.dtype)  # (B, L, 1)
    if mode == "mean":
        return (tokens * mask).sum(1) / mask.sum(1).clamp_min(1.0)
    if mode == "max":
        return tokens.masked_fill(mask == 0, torch.finfo(tokens.dtype).min).amax(1)
    raise ValueError(f"unknown pooling {mode!r}; use one of {', '.join(POOLINGS)}")
