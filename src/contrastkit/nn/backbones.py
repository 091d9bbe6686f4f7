"""Encoders by name: ``BACKBONES`` is the whole list the CLI and configs can build.

A backbone is an ``nn.Module`` mapping a batch to features ``(B, dim)`` and exposing
``.dim: int``. Every entry of ``BACKBONES`` is called the same way,
``BACKBONES[name](in_channels=..., image_size=..., **kwargs)``, where ``kwargs`` go to the
class (e.g. ``dim=`` for small_cnn, ``hidden=`` for mlp, ``cifar_stem=`` for the ResNets).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from torch import nn

from contrastkit.nn.mlp_backbone import MLPBackbone
from contrastkit.nn.resnet import ResNetBackbone
from contrastkit.nn.small_cnn import SmallCNN

# At 64 px or less the ImageNet stem (stride-2 conv + max-pool, 4× smaller) leaves layer4
# with 2×2 maps or fewer; SimCLR (Appendix B.9) uses the 3×3 stride-1 stem at 32 px.
CIFAR_STEM_MAX_SIZE = 64


def _resnet(
    arch: str, *, in_channels: int, image_size: int, cifar_stem: bool | None = None, **kwargs: Any
) -> nn.Module:
    if cifar_stem is None:
        cifar_stem = image_size <= CIFAR_STEM_MAX_SIZE
    return ResNetBackbone(arch, in_channels=in_channels, cifar_stem=cifar_stem, **kwargs)


def _small_cnn(*, in_channels: int, image_size: int, **kwargs: Any) -> nn.Module:
    return SmallCNN(in_channels=in_channels, **kwargs)


def _mlp(*, in_channels: int, image_size: int, **kwargs: Any) -> nn.Module:
    return MLPBackbone(in_features=in_channels * image_size * image_size, **kwargs)


BACKBONES: dict[str, Callable[..., nn.Module]] = {
    "resnet18": partial(_resnet, "resnet18"),
    "resnet34": partial(_resnet, "resnet34"),
    "resnet50": partial(_resnet, "resnet50"),
    "small_cnn": _small_cnn,
    "mlp": _mlp,
}


def build_backbone(name: str, *, in_channels: int, image_size: int, **kwargs: Any) -> nn.Module:
    """Build the backbone called ``name`` for square images of ``image_size`` pixels.

    ResNets get SimCLR's CIFAR stem (3×3 stride-1 conv1, no max-pool) when ``image_size <=
    64`` unless ``cifar_stem`` is passed; "mlp" flattens C·H·W inputs; "small_cnn" ignores
    ``image_size``.

    Raises:
        ValueError: for an unknown name (the message lists the known ones) or a
            non-positive ``in_channels`` / ``image_size``.

    Example:
        >>> build_backbone("resnet18", in_channels=3, image_size=32).dim
        512
    """
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose one of: {', '.join(BACKBONES)}.")
    for arg, value in (("in_channels", in_channels), ("image_size", image_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{arg} must be a positive integer, got {value!r}.")
    return BACKBONES[name](in_channels=in_channels, image_size=image_size, **kwargs)


def backbone_dim(backbone: nn.Module) -> int:
    """``backbone.dim``, the width of the features it returns, checked to be a positive int."""
    dim = getattr(backbone, "dim", None)
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise TypeError(
            f"{type(backbone).__name__} must expose its feature width as a positive int .dim, "
            f"got {dim!r}."
        )
    return dim
