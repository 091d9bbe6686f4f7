"""Batched SimCLR views with kornia: a whole batch augmented on its device in one call.

Every sample draws its own crop box, flip, jitter factors, grayscale and blur decisions
(``same_on_batch=False``). That is why this path uses kornia and not torchvision v2, which
on a (B, C, H, W) tensor draws ONE set of parameters for the whole batch (DESIGN.md).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from contrastkit.augment._images import check_channels, check_images, to_unit_float
from contrastkit.augment.recipe import SimCLRRecipe


class BatchedAugment(nn.Module):
    """Random SimCLR views of a batch, with per-sample random parameters, on any device.

    Pipeline (SimCLR Appendix A), each step a kornia augmentation in ``self.steps``:
    ``crop`` RandomResizedCrop(size, scale, ratio (3/4, 4/3)) → ``flip`` → ``jitter``
    ColorJitter(p = jitter_p) → ``grayscale`` → ``blur`` RandomGaussianBlur(p = blur_p) →
    ``normalize``. Steps with probability 0 (or s = 0) are left out. After a forward pass
    each step's ``_params`` holds what it drew, e.g. ``steps.crop._params["src"]`` the
    (B, 4, 2) crop corners and ``steps.flip._params["batch_prob"]`` the (B,) flip decisions.

    Grayscale-aware: with ``channels=1`` the jitter changes brightness and contrast only and
    there is no grayscale step, as in :func:`~contrastkit.augment.per_sample_transform`.

    Matches the per-sample path in distribution, not pixel for pixel: the crop is one
    bilinear warp of the batch (``cropping_mode="resample"``, no per-sample Python loop, no
    antialiasing when shrinking), and kornia draws the order of the four jitter operations
    once per batch where torchvision draws it per image. kornia's ``ColorJitter`` (not
    ``ColorJiggle``) is used because it applies torchvision's formulas.

    Args:
        recipe: the augmentation hyper-parameters.
        channels: 1 (grayscale) or 3 (RGB); the recipe's mean/std must have 1 or this many
            entries.

    Shapes: uint8 (B, C, H, W) in 0..255 → float32 (B, C, size, size); floating input, in
    [0, 1], keeps its dtype. Output is on the input's device. The module has no parameters
    and no state; move it with ``.to(device)`` like any other.

    Example:
        >>> augment = BatchedAugment(SimCLRRecipe.for_fashion_mnist(), channels=1)
        >>> v1, v2 = augment.two_views(torch.zeros(8, 1, 28, 28, dtype=torch.uint8))
        >>> v1.shape
        torch.Size([8, 1, 28, 28])
    """

    def __init__(self, recipe: SimCLRRecipe, channels: int) -> None:
        super().__init__()
        import kornia.augmentation as K  # the [vision] extra

        check_channels(channels)
        mean, std = recipe.channel_stats(channels)
        rgb = channels == 3
        self.recipe, self.channels = recipe, channels
        steps: OrderedDict[str, nn.Module] = OrderedDict()
        steps["crop"] = K.RandomResizedCrop(
            (recipe.size, recipe.size),
            scale=recipe.crop_scale,
            ratio=(3 / 4, 4 / 3),
            cropping_mode="resample",
            same_on_batch=False,
        )
        if recipe.flip_p > 0:
            steps["flip"] = K.RandomHorizontalFlip(p=recipe.flip_p, same_on_batch=False)
        if recipe.jitter_p > 0 and recipe.jitter_strength > 0:
            steps["jitter"] = K.ColorJitter(
                brightness=recipe.brightness,
                contrast=recipe.contrast,
                saturation=recipe.saturation if rgb else 0.0,
                hue=recipe.hue if rgb else 0.0,
                p=recipe.jitter_p,
                same_on_batch=False,
            )
        if rgb and recipe.grayscale_p > 0:
            steps["grayscale"] = K.RandomGrayscale(p=recipe.grayscale_p, same_on_batch=False)
        if recipe.blur_p > 0:
            steps["blur"] = K.RandomGaussianBlur(
                recipe.blur_kernel_size, recipe.blur_sigma, p=recipe.blur_p, same_on_batch=False
            )
        steps["normalize"] = K.Normalize(mean=torch.tensor(mean), std=torch.tensor(std))
        self.steps = nn.Sequential(steps)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """One random view of every image. ``(B, C, H, W) → (B, C, size, size)``."""
        check_images(images, self.channels, batched=True)
        x = to_unit_float(images)  # (B, C, H, W) in [0, 1]
        return self.steps(x)  # (B, C, size, size)

    def two_views(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Two independent views of every image, each ``(B, C, size, size)``."""
        check_images(images, self.channels, batched=True)
        x = to_unit_float(images)  # converted once, augmented twice
        return self.steps(x), self.steps(x)
