"""PNG pictures of an explanation: a heat map of part scores over an image, and the pairwise
map. Red adds to the similarity, blue takes away; the colour scale is symmetric around 0."""

from __future__ import annotations

import numpy as np
import torch

from contrastkit.explain.explanation import Side
from contrastkit.explain.pairwise import PairwiseMap
from contrastkit.report._figure import new_figure, png_bytes

CMAP = "RdBu_r"
MAX_TICKS = 40  # label each row and column of a pairwise map up to this many parts


def _limit(values: torch.Tensor) -> float:
    return max(float(values.abs().max()), 1e-12)


def heat_map_png(side: Side) -> bytes:
    """The item's picture with its parts' integrated-gradient scores laid over it (parts on a
    grid only: an image's patches)."""
    parts = side.parts
    if parts.grid is None or parts.picture is None:
        raise ValueError(f"the {side.role}'s parts are not laid out on a picture")
    picture = parts.picture.numpy()
    height, width = picture.shape[:2]
    scores = side.integrated_gradients.scores.view(*parts.grid).numpy()
    limit = _limit(side.integrated_gradients.scores)
    fig, axes = new_figure(1, 2, width=6.4, height=3.2)
    shown, heat = axes[0, 0], axes[0, 1]
    shown.imshow(picture[:, :, 0] if picture.shape[2] == 1 else picture, cmap="gray")
    shown.set_title(side.role, fontsize=9)
    heat.imshow(picture.mean(axis=2), cmap="gray")
    overlay = heat.imshow(
        scores,
        cmap=CMAP,
        vmin=-limit,
        vmax=limit,
        alpha=0.2 + 0.7 * np.abs(scores) / limit,  # where nothing is attributed, the picture
        extent=(-0.5, width - 0.5, height - 0.5, -0.5),
        interpolation="nearest",
    )
    heat.set_title(f"what adds to {side.explained}", fontsize=9)
    for ax in (shown, heat):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(overlay, ax=heat, shrink=0.8)
    return png_bytes(fig)


def pairwise_png(grid: PairwiseMap) -> bytes:
    """The query part × candidate part map (the baseline row and column left out; their sum
    is in the title)."""
    values = grid.values[:-1, :-1]
    rows, cols = values.shape
    baseline = float(grid.values.sum() - values.sum())
    fig, axes = new_figure(width=min(12.0, 2.5 + 0.28 * cols), height=min(10.0, 2.0 + 0.28 * rows))
    ax = axes[0, 0]
    limit = _limit(values)
    image = ax.imshow(values.numpy(), cmap=CMAP, vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xlabel("candidate")
    ax.set_ylabel("query")
    if cols <= MAX_TICKS:
        ax.set_xticks(range(cols), grid.columns[:-1], rotation=90, fontsize=7)
    if rows <= MAX_TICKS:
        ax.set_yticks(range(rows), grid.rows[:-1], fontsize=7)
    ax.set_title(
        f"s = {grid.similarity:.3f}: parts {float(values.sum()):+.3f}, "
        f"baseline terms {baseline:+.3f}",
        fontsize=9,
    )
    fig.colorbar(image, ax=ax, shrink=0.8)
    return png_bytes(fig)
