"""Recipes and helpers shared by the augmentation tests."""

from __future__ import annotations

import dataclasses

import torch

from contrastkit.augment import SimCLRRecipe

# Every step off except the crop, which keeps the whole image: the views must then equal
# the deterministic EvalTransform, a reference both augmentation paths are checked against.
IDENTITY = SimCLRRecipe(
    size=12,
    crop_scale=(1.0, 1.0),
    flip_p=0.0,
    jitter_p=0.0,
    grayscale_p=0.0,
    mean=(0.3,),
    std=(0.2,),
)


def identity_with(**changes: object) -> SimCLRRecipe:
    return dataclasses.replace(IDENTITY, **changes)


def random_images(b: int = 6, c: int = 3, size: int = 12) -> torch.Tensor:
    """Random uint8 images (B, C, H, W)."""
    return torch.randint(0, 256, (b, c, size, size), dtype=torch.uint8)


def unnormalize(x: torch.Tensor, recipe: SimCLRRecipe) -> torch.Tensor:
    """Back to [0, 1] pixels (recipes with a single mean/std entry only)."""
    return x * recipe.std[0] + recipe.mean[0]
