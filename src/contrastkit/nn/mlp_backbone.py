"""An MLP encoder for flat inputs: feature arrays, fixed-length time series, tiny images."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from contrastkit.nn.heads import mlp


class MLPBackbone(nn.Module):
    """Flatten each sample, then Linear → BN → ReLU per hidden layer and a Linear to ``dim``.

    Args:
        in_features: number of values per sample after flattening (C·H·W for images,
            channels·length for a series).
        hidden: sizes of the hidden layers (may be empty: a linear encoder).
        dim: size of the output features (``.dim``).

    Shapes: (B, ...) with ``in_features`` values per sample → (B, dim).

    Example:
        >>> MLPBackbone(in_features=6 * 100)(torch.zeros(4, 6, 100)).shape
        torch.Size([4, 128])
    """

    def __init__(self, in_features: int, hidden: Sequence[int] = (512,), dim: int = 128) -> None:
        super().__init__()
        self.in_features, self.dim = in_features, dim
        self.net = mlp([in_features, *hidden, dim])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        per_sample = math.prod(x.shape[1:])
        if x.dim() < 2 or per_sample != self.in_features:
            raise ValueError(
                f"expected (B, ...) with {self.in_features} values per sample, "
                f"got shape {tuple(x.shape)}."
            )
        return self.net(x.flatten(1))  # (B, in_features) → (B, dim)
