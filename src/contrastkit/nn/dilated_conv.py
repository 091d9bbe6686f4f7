"""A dilated-convolution encoder for time series (the TS2Vec encoder's shape).

Each time step is projected to ``hidden`` channels, then ``depth`` residual blocks of two
1-D convolutions (kernel 3, dilation 2^i, GELU before each) widen the receptive field to
about 2^(depth+1) steps; a last block maps to ``dim`` channels, and the representation of a
whole series is the max over time (TS2Vec's instance-level pooling). Any length works, and
series of different lengths need no resampling.

Reference: Yue et al., "TS2Vec: Towards Universal Representation of Time Series", AAAI
2022, https://arxiv.org/abs/2106.10466 (Sec. 3.1, its encoder; 64 hidden channels, 10 blocks,
320-d output there).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class _Block(nn.Module):
    def __init__(self, channels_in: int, channels_out: int, dilation: int) -> None:
        super().__init__()
        self.first = nn.Conv1d(channels_in, channels_out, 3, padding=dilation, dilation=dilation)
        self.second = nn.Conv1d(channels_out, channels_out, 3, padding=dilation, dilation=dilation)
        self.skip = nn.Conv1d(channels_in, channels_out, 1) if channels_in != channels_out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T) → (B, C', T)
        residual = x if self.skip is None else self.skip(x)
        return residual + self.second(F.gelu(self.first(F.gelu(x))))


class DilatedConvEncoder(nn.Module):
    """Series ``(B, C, T)`` → representations ``(B, dim)``; :meth:`timestamps` keeps time."""

    def __init__(
        self, in_channels: int, *, hidden: int = 64, depth: int = 6, dim: int = 128
    ) -> None:
        super().__init__()
        if min(in_channels, hidden, depth, dim) < 1:
            raise ValueError(
                f"in_channels, hidden, depth and dim must be positive, got "
                f"{in_channels}, {hidden}, {depth}, {dim}"
            )
        self.input = nn.Linear(in_channels, hidden)
        widths = [hidden] * depth + [dim]
        self.blocks = nn.Sequential(
            *(
                _Block(a, b, 2**i)
                for i, (a, b) in enumerate(zip([hidden, *widths[:-1]], widths, strict=True))
            )
        )
        self.dim = dim

    def timestamps(self, x: torch.Tensor) -> torch.Tensor:
        """Per-step representations ``(B, dim, T)``."""
        return self.blocks(self.input(x.transpose(1, 2)).transpose(1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.timestamps(x).amax(dim=2)
