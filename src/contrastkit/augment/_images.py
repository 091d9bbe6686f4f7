"""Input checks and pixel scaling shared by the augmentation paths."""

from __future__ import annotations

import torch


def check_channels(channels: int) -> None:
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}.")


def check_images(x: torch.Tensor, channels: int, *, batched: bool, name: str = "images") -> None:
    """``x`` is uint8 or floating, ``(B, C, H, W)`` if ``batched`` else ``(C, H, W)``."""
    layout = "(B, C, H, W)" if batched else "(C, H, W)"
    if x.dim() != (4 if batched else 3):
        hint = "" if batched else "; augment batches with BatchedAugment"
        raise ValueError(f"{name} must be {layout}, got shape {tuple(x.shape)}{hint}.")
    if x.shape[-3] != channels:
        raise ValueError(
            f"{name} have {x.shape[-3]} channels but the transform was built for {channels}."
        )
    if x.dtype != torch.uint8 and not x.is_floating_point():
        raise ValueError(f"{name} must be uint8 (0..255) or floating (0..1), got {x.dtype}.")


def to_unit_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 0..255 → float32 0..1; floating input (assumed in [0, 1]) is returned as is."""
    return x.float().div_(255) if x.dtype == torch.uint8 else x
