"""A small, fast convolutional encoder for 28×28 images (Fashion-MNIST) on a CPU."""

from __future__ import annotations

import torch
from torch import nn


class SmallCNN(nn.Module):
    """Four conv-BN-ReLU blocks, global average pooling and a linear layer to ``dim``.

    Layout for a 28×28 input, ``w = width``::

        conv3×3(in → w)                   (B, w, 28, 28)
        conv3×3(w → 2w, stride 2)         (B, 2w, 14, 14)
        conv3×3(2w → 4w, stride 2)        (B, 4w, 7, 7)
        conv3×3(4w → 8w, stride 2)        (B, 8w, 4, 4)
        global average pool               (B, 8w)
        linear(8w → dim)                  (B, dim)

    With the defaults (in_channels=1, width=32, dim=256): 454,112 parameters and about
    12 M multiply-adds per 28×28 image. Any input size works (the pool is global), but the
    three stride-2 convolutions are sized for images of roughly 28–64 pixels.

    Args:
        in_channels: channels of the input images.
        dim: size of the output features (``.dim``).
        width: channels of the first block; each later block doubles them.

    Shapes: (B, in_channels, H, W) → (B, dim).

    Example:
        >>> SmallCNN()(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 256])
    """

    def __init__(self, in_channels: int = 1, dim: int = 256, width: int = 32) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("dim", dim), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        self.dim = dim
        w = width
        self.features = nn.Sequential(
            _block(in_channels, w, stride=1),
            _block(w, 2 * w, stride=2),
            _block(2 * w, 4 * w, stride=2),
            _block(4 * w, 8 * w, stride=2),
        )
        self.fc = nn.Linear(8 * w, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (B, 8w, H/8, W/8), rounded up
        return self.fc(x.mean(dim=(2, 3)))  # (B, dim)


def _block(c_in: int, c_out: int, *, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),  # BN follows: no bias
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )
