"""Image augmentation: the SimCLR recipe and the two ways to apply it.

* :class:`SimCLRRecipe` — the hyper-parameters, with presets for Fashion-MNIST, CIFAR and
  ImageNet.
* :func:`per_sample_transform` + :class:`TwoViews` — torchvision v2, one image at a time, in
  DataLoader workers.
* :class:`BatchedAugment` — kornia, a whole batch on the training device, per-sample random
  parameters (torchvision v2 on a batch would share one set of parameters across it).
* :class:`MultiCropAugment` — two large and V small views per image (SwAV, DINO), batched.
* :class:`EvalTransform` — the deterministic scale-and-normalise for feature extraction.

torchvision and kornia (the ``[vision]`` extra) are imported when a transform is built.
"""

from __future__ import annotations

from contrastkit.augment.batched import BatchedAugment
from contrastkit.augment.eval import EvalTransform
from contrastkit.augment.multi_crop import MultiCropAugment
from contrastkit.augment.per_sample import TwoViews, per_sample_transform
from contrastkit.augment.recipe import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    FASHION_MNIST_MEAN,
    FASHION_MNIST_STD,
    IMAGENET_MEAN,
    IMAGENET_STD,
    SimCLRRecipe,
)

__all__ = [
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "FASHION_MNIST_MEAN",
    "FASHION_MNIST_STD",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "BatchedAugment",
    "EvalTransform",
    "MultiCropAugment",
    "SimCLRRecipe",
    "TwoViews",
    "per_sample_transform",
]
