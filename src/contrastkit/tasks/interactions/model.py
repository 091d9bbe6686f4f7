"""The two towers: a user tower and an item tower mapping ids (and item features) to unit
vectors whose dot product scores a recommendation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Tower(nn.Module):
    """id embedding (+ a linear map of the features, when given) → MLP → unit vector.

    Args:
        count: number of ids.
        dim: output width.
        features: per-id feature rows ``(count, F)`` (a buffer; None: ids only).
        hidden: the MLP's hidden width (0: no MLP, the embedding is the vector).
    """

    def __init__(
        self, count: int, dim: int, *, features: torch.Tensor | None = None, hidden: int = 0
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(count, dim)
        nn.init.normal_(self.embedding.weight, std=0.1)
        self.features: torch.Tensor | None
        if features is not None:
            self.register_buffer("features", features.float())
            self.from_features = nn.Linear(features.shape[1], dim, bias=False)
        else:
            self.features = None
        self.mlp = (
            nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, dim))
            if hidden
            else nn.Identity()
        )
        self.dim = dim

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids)
        if self.features is not None:
            x = x + self.from_features(self.features[ids])
        return F.normalize(self.mlp(x), dim=-1)
