"""torchvision's ResNets as feature extractors, with SimCLR's CIFAR stem as an option."""

from __future__ import annotations

import torch
from torch import nn

RESNET_DIMS = {"resnet18": 512, "resnet34": 512, "resnet50": 2048}


class ResNetBackbone(nn.Module):
    """A randomly initialised torchvision ResNet without its classifier: images → features.

    The submodules keep torchvision's names (``conv1``, ``bn1``, ``layer1`` … ``layer4``), so
    a torchvision state dict loads with ``strict=False`` (its ``fc.*`` keys are unused).
    Weights are never downloaded (``weights=None``).

    ``cifar_stem=True`` replaces the 7×7 stride-2 ``conv1`` by a 3×3 stride-1 conv and drops
    the max-pool, so a 32×32 image keeps its resolution through the stem (SimCLR Appendix
    B.9, CIFAR-10: https://arxiv.org/abs/2002.05709). ``in_channels != 3`` also gets a fresh
    ``conv1``; a replaced ``conv1`` is initialised as torchvision initialises convolutions.

    Args:
        arch: "resnet18", "resnet34" or "resnet50".
        in_channels: channels of the input images.
        cifar_stem: use the small-image stem described above.

    Shapes: (B, in_channels, H, W) → (B, dim), dim = 512 (resnet18/34) or 2048 (resnet50).

    Example:
        >>> net = ResNetBackbone("resnet18", in_channels=1, cifar_stem=True)
        >>> net(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 512])
    """

    def __init__(
        self, arch: str = "resnet18", in_channels: int = 3, cifar_stem: bool = False
    ) -> None:
        super().__init__()
        from torchvision import models  # the [vision] extra; contrastkit.nn itself needs only torch

        if arch not in RESNET_DIMS:
            raise ValueError(f"unknown ResNet {arch!r}; choose one of: {', '.join(RESNET_DIMS)}.")
        if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f"in_channels must be a positive integer, got {in_channels!r}.")
        net = getattr(models, arch)(weights=None)
        self.arch, self.dim = arch, RESNET_DIMS[arch]
        self.conv1: nn.Module = net.conv1
        if cifar_stem:
            self.conv1 = _conv(in_channels, kernel_size=3, stride=1, padding=1)
        elif in_channels != 3:
            self.conv1 = _conv(in_channels, kernel_size=7, stride=2, padding=3)
        self.bn1, self.relu = net.bn1, net.relu
        self.maxpool: nn.Module = nn.Identity() if cifar_stem else net.maxpool
        self.layer1, self.layer2, self.layer3, self.layer4 = (
            net.layer1,
            net.layer2,
            net.layer3,
            net.layer4,
        )
        self.avgpool = net.avgpool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (B, 64, H/4, W/4); (B, 64, H, W) with the CIFAR stem
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        # (B, dim, H/32, W/32); (B, dim, H/8, W/8) with the CIFAR stem
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)  # (B, dim)


def _conv(in_channels: int, *, kernel_size: int, stride: int, padding: int) -> nn.Conv2d:
    conv = nn.Conv2d(in_channels, 64, kernel_size, stride=stride, padding=padding, bias=False)
    nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")  # as torchvision
    return conv
