"""A small, fast convolutional encoder for 28×28 images (Fashion-MNIST) on a CPU."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SmallCNN(nn.Module):
    """Four conv-BN-ReLU blocks, average pooling (global or to a grid), a linear layer to ``dim``.

    Layout for a 28×28 input, ``w = width``::

        conv3×3(in → w)                   (B, w, 28, 28)
        conv3×3(w → 2w, stride 2)         (B, 2w, 14, 14)
        conv3×3(2w → 4w, stride 2)        (B, 4w, 7, 7)
        conv3×3(4w → 8w, stride 2)        (B, 8w, 4, 4)
        average pool to a g×g grid        (B, 8w, g, g)     g = grid
        flatten, linear(8w·g² → dim)      (B, dim)          no linear when dim is None
        BatchNorm1d(dim, affine=False)    (B, dim)          only with feature_bn=True

    With the defaults (in_channels=1, width=32, dim=256, grid=1): 454,112 parameters and about
    12 M multiply-adds per 28×28 image. Any input size works (the pool is adaptive), but the
    three stride-2 convolutions are sized for images of roughly 28–64 pixels.

    ``grid=1`` is global average pooling: the features forget where in the image a pattern
    was. For centred, aligned images (Fashion-MNIST's garments) where it was is part of what
    the class is, ``grid=4`` keeps the last 4×4 map's layout (+983k parameters in the linear
    layer at width 32, no extra convolution).

    ``feature_bn=True`` ends the network with a BatchNorm without learned scale or shift (the
    "BNNeck" of Luo et al., 2019, Bag of Tricks for person re-identification): in eval mode
    every feature dimension is centred and scaled by its running training statistics. Average
    pooled ReLU maps all lie in the positive orthant, sharing one large common direction that
    crowds their cosine similarities together; standardised features spread out, which is
    what cosine search and a kNN vote over many neighbours read.

    Args:
        in_channels: channels of the input images.
        dim: size of the output features (``.dim``); ``None`` leaves the linear layer out, so
            the features are the pooled maps themselves (``.dim`` = 8·width·grid²), as a
            ResNet's are.
        width: channels of the first block; each later block doubles them.
        grid: side of the average-pooling grid before the linear layer; 1 is global pooling.
        feature_bn: end with ``BatchNorm1d(dim, affine=False)``.

    Shapes: (B, in_channels, H, W) → (B, dim).

    Example:
        >>> SmallCNN()(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 256])
    """

    def __init__(
        self,
        in_channels: int = 1,
        dim: int | None = 256,
        width: int = 32,
        grid: int = 1,
        feature_bn: bool = False,
    ) -> None:
        super().__init__()
        args = (("in_channels", in_channels), ("width", width), ("grid", grid))
        for name, value in (*args, ("dim", 1 if dim is None else dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if not isinstance(feature_bn, bool):
            raise ValueError(f"feature_bn must be true or false, got {feature_bn!r}.")
        w = width
        self.features = nn.Sequential(
            _block(in_channels, w, stride=1),
            _block(w, 2 * w, stride=2),
            _block(2 * w, 4 * w, stride=2),
            _block(4 * w, 8 * w, stride=2),
        )
        self.grid = grid
        pooled = 8 * w * grid * grid
        self.dim = pooled if dim is None else dim
        self.fc: nn.Module = nn.Identity() if dim is None else nn.Linear(pooled, dim)
        self.norm: nn.Module = (
            nn.BatchNorm1d(self.dim, affine=False) if feature_bn else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (B, 8w, H/8, W/8), rounded up
        # (B, 8w·g²); global pooling as a plain mean
        x = x.mean(dim=(2, 3)) if self.grid == 1 else F.adaptive_avg_pool2d(x, self.grid).flatten(1)
        return self.norm(self.fc(x))  # (B, dim)


def _block(c_in: int, c_out: int, *, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),  # BN follows: no bias
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )
