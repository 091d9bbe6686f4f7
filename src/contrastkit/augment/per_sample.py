"""Per-sample SimCLR views with torchvision v2, for DataLoader workers on the CPU.

Each call draws fresh random parameters for its one image. Never hand these transforms a
batch: torchvision v2 on a (B, C, H, W) tensor draws ONE set of parameters for the whole
batch (DESIGN.md) — :class:`~contrastkit.augment.BatchedAugment` is the batched path.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from contrastkit.augment._images import check_channels, check_images
from contrastkit.augment.recipe import SimCLRRecipe

Transform = Callable[[torch.Tensor], torch.Tensor]


def per_sample_transform(recipe: SimCLRRecipe, channels: int) -> Transform:
    """One random SimCLR view of one image, built from torchvision v2 transforms.

    Pipeline (SimCLR Appendix A): RandomResizedCrop(size, scale, ratio (3/4, 4/3)) on the
    uint8 image → float in [0, 1] → RandomHorizontalFlip → RandomApply(ColorJitter, jitter_p)
    → RandomGrayscale → RandomApply(GaussianBlur, blur_p) → Normalize(mean, std).

    Grayscale-aware: with ``channels=1`` the jitter changes brightness and contrast only, and
    there is no grayscale step — saturation, hue and "convert to gray" mean nothing for a
    single channel. Steps with probability 0 (or s = 0) are left out.

    Args:
        recipe: the augmentation hyper-parameters.
        channels: 1 (grayscale) or 3 (RGB); the recipe's mean/std must have 1 or this many
            entries.

    Shapes: uint8 (C, H, W) in 0..255, or float (C, H, W) in [0, 1] → float32 (C, size, size).
    The result is picklable, for DataLoader workers.

    Example:
        >>> view = per_sample_transform(SimCLRRecipe.for_fashion_mnist(), channels=1)
        >>> view(torch.zeros(1, 28, 28, dtype=torch.uint8)).shape
        torch.Size([1, 28, 28])
    """
    from torchvision.transforms import v2  # the [vision] extra

    check_channels(channels)
    mean, std = recipe.channel_stats(channels)
    rgb = channels == 3
    steps: list[Transform] = [
        v2.RandomResizedCrop(recipe.size, scale=recipe.crop_scale, ratio=(3 / 4, 4 / 3)),
        v2.ToDtype(
            torch.float32, scale=True
        ),  # colour ops in float: no uint8 rounding between them
    ]
    if recipe.flip_p > 0:
        steps.append(v2.RandomHorizontalFlip(p=recipe.flip_p))
    if recipe.jitter_p > 0 and recipe.jitter_strength > 0:
        jitter = v2.ColorJitter(
            brightness=recipe.brightness,
            contrast=recipe.contrast,
            saturation=recipe.saturation if rgb else None,
            hue=recipe.hue if rgb else None,
        )
        steps.append(v2.RandomApply([jitter], p=recipe.jitter_p))
    if rgb and recipe.grayscale_p > 0:
        steps.append(v2.RandomGrayscale(p=recipe.grayscale_p))
    if recipe.blur_p > 0:
        blur = v2.GaussianBlur(recipe.blur_kernel_size, sigma=recipe.blur_sigma)
        steps.append(v2.RandomApply([blur], p=recipe.blur_p))
    steps.append(v2.Normalize(mean=list(mean), std=list(std)))
    return _CheckedTransform(v2.Compose(steps), channels)


class _CheckedTransform:
    """Reject what torchvision would accept silently: batches, and the wrong channel count."""

    def __init__(self, pipeline: Transform, channels: int) -> None:
        self.pipeline, self.channels = pipeline, channels

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        check_images(image, self.channels, batched=False, name="image")
        return self.pipeline(image)

    def __repr__(self) -> str:
        return f"per_sample_transform(channels={self.channels}, {self.pipeline})"


class TwoViews:
    """Two independent random views of one image: ``image → (view1, view2)``.

    Meant for a Dataset's ``__getitem__`` in DataLoader workers (picklable when ``transform``
    is). The two calls draw independent parameters from torch's global RNG.

    Example:
        >>> two = TwoViews(per_sample_transform(SimCLRRecipe.for_cifar(), channels=3))
        >>> v1, v2 = two(torch.zeros(3, 32, 32, dtype=torch.uint8))
    """

    def __init__(self, transform: Transform) -> None:
        self.transform = transform

    def __call__(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.transform(image), self.transform(image)

    def __repr__(self) -> str:
        return f"TwoViews({self.transform!r})"
