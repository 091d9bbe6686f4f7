"""The off-diagonal entries of a square matrix (Barlow Twins, VICReg)."""

from __future__ import annotations

import torch


def off_diagonal(x: torch.Tensor) -> torch.Tensor:
    """All entries of a square ``(D, D)`` matrix but its diagonal, as a flat ``(D² − D,)`` view.

    The reshaping trick of the Barlow Twins authors' code: dropping the last entry of the
    flattened matrix and viewing the rest as ``(D − 1, D + 1)`` puts every diagonal entry in
    column 0.
    """
    d = x.shape[0]
    return x.flatten()[:-1].view(d - 1, d + 1)[:, 1:].flatten()
