"""Multi-crop: two large views plus several small, low-resolution views of every image.

SwAV (Caron et al. 2020, https://arxiv.org/abs/2006.09882, Sec. 3.2) adds V small crops
(96×96 from 5–14% of the image, beside two 224×224 crops from 14–100%) at little cost:
the small crops only need to predict the large ones' codes or targets. DINO does the same.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from contrastkit.augment._images import check_images, to_unit_float
from contrastkit.augment.batched import BatchedAugment
from contrastkit.augment.recipe import SimCLRRecipe

# SwAV's 96 px small crops beside 224 px large ones
SMALL_TO_LARGE = 96 / 224


def small_crop_size(size: int) -> int:
    """SwAV's small-crop side for large views of ``size`` pixels: 96 at 224, 12 at 28."""
    return max(1, round(size * SMALL_TO_LARGE))


class MultiCropAugment(nn.Module):
    """Two large views with ``recipe`` and ``n_small`` small views, batched, per-sample random.

    Every view runs the recipe's whole pipeline (crop, flip, jitter, grayscale, blur,
    normalise) through :class:`BatchedAugment`, so every sample and every crop draws its own
    parameters; the small views use the same recipe with ``size=small_size`` and
    ``crop_scale=small_scale`` (the blur kernel follows the size).

    Args:
        recipe: the augmentation hyper-parameters of the large views.
        channels: 1 (grayscale) or 3 (RGB).
        n_small: V ≥ 0 small crops per image (SwAV: 6, DINO: 10 on ImageNet).
        small_size: side of the small views in pixels (default: 3/7 of ``recipe.size``,
            SwAV's 96 / 224).
        small_scale: (min, max) area fraction of the small crops (SwAV: (0.05, 0.14)).

    Shapes: uint8 (B, C, H, W) → a tuple of 2 + V views: two (B, C, size, size), then V
    (B, C, small_size, small_size), float32.

    Example:
        >>> augment = MultiCropAugment(SimCLRRecipe.for_fashion_mnist(), 1, n_small=4)
        >>> views = augment(torch.zeros(8, 1, 28, 28, dtype=torch.uint8))
        >>> [tuple(v.shape) for v in views[1:3]]
        [(8, 1, 28, 28), (8, 1, 12, 12)]
    """

    def __init__(
        self,
        recipe: SimCLRRecipe,
        channels: int,
        *,
        n_small: int,
        small_size: int | None = None,
        small_scale: tuple[float, float] = (0.05, 0.14),
    ) -> None:
        super().__init__()
        if isinstance(n_small, bool) or not isinstance(n_small, int) or n_small < 0:
            raise ValueError(f"n_small must be a non-negative integer, got {n_small!r}.")
        size = small_crop_size(recipe.size) if small_size is None else small_size
        small_recipe = dataclasses.replace(recipe, size=size, crop_scale=small_scale)
        self.n_small, self.channels = n_small, channels
        self.large = BatchedAugment(recipe, channels)
        self.small = BatchedAugment(small_recipe, channels)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``(B, C, H, W)`` → (first, second, *small): 2 large then ``n_small`` small views."""
        check_images(images, self.channels, batched=True)
        x = to_unit_float(images)  # converted once, augmented 2 + V times
        large = (self.large.steps(x), self.large.steps(x))
        return large + tuple(self.small.steps(x) for _ in range(self.n_small))
