"""Top-1 accuracy of the in-batch contrastive classifier: does a view pick its own partner?"""

from __future__ import annotations

import torch

from contrastkit.diagnostics._input import unit_rows


def in_batch_top1(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Fraction of rows i whose most similar row of ``y`` is their own positive ``y_i``.

    :math:`\frac{1}{N} \sum_i [\arg\max_j \hat x_i \cdot \hat y_j = i]` — the accuracy of the
    classifier InfoNCE trains (van den Oord et al. 2018), read off without a temperature
    (τ does not change the argmax). Ties go to the lower index.

    Range [0, 1]. Chance is 1/N; healthy training drives it well above chance (it depends on
    N: the more in-batch negatives, the harder). A collapsed encoder sits near chance.

    Shapes: x (N, D), y (N, D), N ≥ 2 → scalar.
    """
    if x.shape != y.shape:
        raise ValueError(
            f"x and y must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}."
        )
    x, y = unit_rows(x, "x", min_rows=2), unit_rows(y, "y", min_rows=2)
    picked = (x @ y.t()).argmax(dim=1)  # (N,)
    return (picked == torch.arange(x.shape[0], device=x.device)).float().mean()
