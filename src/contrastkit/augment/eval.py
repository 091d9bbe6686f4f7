"""The deterministic counterpart of the training views, for feature extraction and evaluation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit.augment._images import check_channels, check_images, to_unit_float
from contrastkit.augment.recipe import SimCLRRecipe


class EvalTransform(nn.Module):
    """uint8 or [0, 1] float images → float, normalised with the recipe's mean/std.

    No randomness. Images whose side already equals ``recipe.size`` are only scaled and
    normalised; any other size is first resized (bilinear, antialiased) so its shorter
    side is ``recipe.size`` and then centre-cropped to ``size × size``, the usual evaluation
    crop. Works on one image or a batch, on the input's device.

    Args:
        recipe: the recipe the encoder was trained with (its ``size``, ``mean``, ``std``).
        channels: 1 (grayscale) or 3 (RGB).

    Shapes: (C, H, W) → (C, size, size) or (B, C, H, W) → (B, C, size, size); uint8 gives
    float32, floating input keeps its dtype.

    Example:
        >>> prepare = EvalTransform(SimCLRRecipe.for_fashion_mnist(), channels=1)
        >>> prepare(torch.zeros(4, 1, 28, 28, dtype=torch.uint8)).shape
        torch.Size([4, 1, 28, 28])
    """

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, recipe: SimCLRRecipe, channels: int) -> None:
        super().__init__()
        check_channels(channels)
        mean, std = recipe.channel_stats(channels)
        self.size, self.channels = recipe.size, channels
        self.register_buffer("mean", torch.tensor(mean).view(-1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(-1, 1, 1), persistent=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        single = images.dim() == 3
        batch = images.unsqueeze(0) if single else images
        check_images(batch, self.channels, batched=True)
        x = to_unit_float(batch)  # (B, C, H, W) in [0, 1]
        if x.shape[-2:] != (self.size, self.size):
            x = _resize_center_crop(x, self.size)  # (B, C, size, size)
        x = (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        return x.squeeze(0) if single else x


def _resize_center_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    h, w = x.shape[-2:]
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    x = F.interpolate(x, size=(new_h, new_w), mode="bilinear", antialias=True, align_corners=False)
    top, left = (new_h - size) // 2, (new_w - size) // 2
    return x[..., top : top + size, left : left + size]
