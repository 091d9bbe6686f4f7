from __future__ import annotations

import torch
import torch.nn.functional as F


def unit_rows(x: torch.Tensor, name: str, min_rows: int = 1) -> torch.Tensor:
    """Validate a 2-D embedding matrix and return it L2-normalised in float32/float64."""
    if x.dim() != 2:
        raise ValueError(f"{name} must be 2-D (N, D), got shape {tuple(x.shape)}.")
    if x.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {x.shape[0]}.")
    if x.dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    return F.normalize(x, dim=1)
