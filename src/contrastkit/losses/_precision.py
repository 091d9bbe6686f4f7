"""Run the similarity and the softmax in float32 (or float64), even under autocast."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
import torch.nn.functional as F


def upcast(x: torch.Tensor) -> torch.Tensor:
    """float16/bfloat16 → float32; float32/float64 unchanged. Autograd casts gradients back."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def normalize(x: torch.Tensor) -> torch.Tensor:
    """Upcast, then L2-normalise rows. ``(N, D) → (N, D)``."""
    return F.normalize(upcast(x), dim=1)


@contextlib.contextmanager
def full_precision(device: torch.device) -> Iterator[None]:
    """Disable autocast on ``device`` so matmuls stay in the inputs' (upcast) dtype."""
    with torch.autocast(device_type=device.type, enabled=False):
        yield
