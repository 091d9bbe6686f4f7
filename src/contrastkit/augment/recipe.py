"""The SimCLR image-augmentation recipe: one frozen record read by both augmentation paths.

A view is made by (Chen et al. 2020, https://arxiv.org/abs/2002.05709, Appendix A):

    random resized crop → horizontal flip → colour jitter (p) → grayscale (p) → blur (p) → normalise

with colour-jitter strength s giving brightness = contrast = saturation = 0.8·s and hue = 0.2·s.
:func:`~contrastkit.augment.per_sample_transform` (torchvision v2, one image at a time, in
DataLoader workers) and :class:`~contrastkit.augment.BatchedAugment` (kornia, a whole batch on
the training device) both build their pipeline from this record, so a recipe means the same
views whichever path runs it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Per-channel statistics of the training sets, for pixels scaled to [0, 1].
FASHION_MNIST_MEAN, FASHION_MNIST_STD = (0.2860,), (0.3530,)  # measured on the 60k train images
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
# The std of all train pixels per channel; the often-copied (0.2023, 0.1994, 0.2010) is the
# mean of per-image stds, a different (smaller) number.
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # torchvision's


@dataclass(frozen=True)
class SimCLRRecipe:
    """Hyper-parameters of SimCLR's augmentations, validated on construction.

    Args:
        size: side of the square output views, in pixels.
        crop_scale: (min, max) area fraction of the random resized crop, 0 < min ≤ max ≤ 1.
            The crop's aspect ratio is drawn from (3/4, 4/3), as in the paper.
        flip_p: probability of a horizontal flip.
        jitter_strength: SimCLR's colour-distortion strength s ∈ [0, 2.5]; brightness,
            contrast and saturation factors are drawn from [1 − 0.8s, 1 + 0.8s] and the hue
            shift from [−0.2s, 0.2s] (hue ≤ 0.5 bounds s at 2.5).
        jitter_p: probability of applying the colour jitter.
        grayscale_p: probability of converting to grayscale (RGB images only).
        blur_p: probability of a Gaussian blur, kernel ≈ 10% of ``size`` (``blur_kernel_size``).
        blur_sigma: (min, max) standard deviation of the blur, in pixels.
        mean, std: per-channel normalisation applied last, for pixels in [0, 1]. One entry is
            used for every channel; otherwise give one per channel. The default maps [0, 1]
            to [−1, 1]; prefer the dataset's own statistics (the presets do).

    Presets: :meth:`for_fashion_mnist`, :meth:`for_cifar`, :meth:`for_imagenet`.

    Example:
        >>> recipe = SimCLRRecipe.for_cifar()
        >>> recipe.size, recipe.jitter_strength, recipe.blur_p
        (32, 0.5, 0.0)
    """

    size: int
    crop_scale: tuple[float, float] = (0.08, 1.0)
    flip_p: float = 0.5
    jitter_strength: float = 0.5
    jitter_p: float = 0.8
    grayscale_p: float = 0.2
    # SimCLR blurs with p = 0.5 on ImageNet (Appendix A) and leaves blur out on CIFAR-10's
    # 32×32 images (Appendix B.9), so the default is the small-image choice.
    blur_p: float = 0.0
    blur_sigma: tuple[float, float] = (0.1, 2.0)
    mean: tuple[float, ...] = (0.5,)
    std: tuple[float, ...] = (0.5,)

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise ValueError(f"size must be a positive integer, got {self.size!r}.")
        lo, hi = _pair(self, "crop_scale")
        if not 0 < lo <= hi <= 1:
            raise ValueError(f"crop_scale must satisfy 0 < min <= max <= 1, got {(lo, hi)}.")
        for name in ("flip_p", "jitter_p", "grayscale_p", "blur_p"):
            p = getattr(self, name)
            if not 0 <= p <= 1:
                raise ValueError(f"{name} must be a probability in [0, 1], got {p}.")
        if not 0 <= self.jitter_strength <= 2.5:
            raise ValueError(
                f"jitter_strength must be in [0, 2.5] (hue = 0.2·s must stay <= 0.5), "
                f"got {self.jitter_strength}."
            )
        lo, hi = _pair(self, "blur_sigma")
        if not 0 < lo <= hi < math.inf:
            raise ValueError(f"blur_sigma must satisfy 0 < min <= max, got {(lo, hi)}.")
        mean, std = _floats(self, "mean"), _floats(self, "std")
        if len(mean) != len(std):
            raise ValueError(
                f"mean and std must have the same length, got {len(mean)} and {len(std)}."
            )
        if not all(math.isfinite(m) for m in mean) or not all(0 < s < math.inf for s in std):
            raise ValueError(f"mean must be finite and std > 0, got mean={mean}, std={std}.")

    @property
    def brightness(self) -> float:
        return 0.8 * self.jitter_strength

    @property
    def contrast(self) -> float:
        return 0.8 * self.jitter_strength

    @property
    def saturation(self) -> float:
        return 0.8 * self.jitter_strength

    @property
    def hue(self) -> float:
        return 0.2 * self.jitter_strength

    @property
    def blur_kernel_size(self) -> int:
        """Odd kernel side ≈ 10% of ``size``, as the authors' code: 23 at 224, 3 at 32."""
        return 2 * (self.size // 20) + 1

    def channel_stats(self, channels: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """``(mean, std)`` with one entry per channel: a single entry is repeated."""
        if len(self.mean) == 1:
            return self.mean * channels, self.std * channels
        if len(self.mean) != channels:
            raise ValueError(
                f"the recipe normalises {len(self.mean)} channels but the images have "
                f"{channels}; give mean/std with 1 or {channels} entries (dataclasses.replace)."
            )
        return self.mean, self.std

    @classmethod
    def for_fashion_mnist(cls) -> SimCLRRecipe:
        """28×28 grayscale Fashion-MNIST: CIFAR's recipe with a gentler crop and its own stats.

        ``crop_scale`` starts at 0.2 rather than 0.08: 8% of 28×28 is a ~8×8 patch, often pure
        background around the centred garments, a positive pair with nothing in common (0.2
        is also MoCo v2's lower bound). No blur, as for CIFAR; grayscale has nothing to do.
        """
        return cls(
            size=28,
            crop_scale=(0.2, 1.0),
            jitter_strength=0.5,
            grayscale_p=0.0,
            blur_p=0.0,
            mean=FASHION_MNIST_MEAN,
            std=FASHION_MNIST_STD,
        )

    @classmethod
    def for_cifar(cls, size: int = 32) -> SimCLRRecipe:
        """SimCLR's CIFAR-10 recipe (Appendix B.9): s = 0.5, no blur, crop scale (0.08, 1)."""
        return cls(size=size, jitter_strength=0.5, blur_p=0.0, mean=CIFAR10_MEAN, std=CIFAR10_STD)

    @classmethod
    def for_imagenet(cls, size: int = 224) -> SimCLRRecipe:
        """SimCLR's ImageNet recipe (Appendix A): s = 1.0, blur with p = 0.5, σ ∈ [0.1, 2]."""
        return cls(size=size, jitter_strength=1.0, blur_p=0.5, mean=IMAGENET_MEAN, std=IMAGENET_STD)


def _pair(recipe: SimCLRRecipe, name: str) -> tuple[float, float]:
    value = getattr(recipe, name)
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{name} must be a (min, max) pair, got {value!r}.")
    pair = (float(value[0]), float(value[1]))
    object.__setattr__(recipe, name, pair)  # frozen: store the normalised tuple once
    return pair


def _floats(recipe: SimCLRRecipe, name: str) -> tuple[float, ...]:
    value = getattr(recipe, name)
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) == 0:
        raise ValueError(
            f"{name} must be a non-empty sequence of per-channel values, got {value!r}."
        )
    floats = tuple(float(v) for v in value)
    object.__setattr__(recipe, name, floats)
    return floats
