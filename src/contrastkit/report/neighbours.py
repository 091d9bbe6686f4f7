"""Nearest-neighbour image grids: each query image beside its top-k neighbours from a bank.

The quickest look at what an embedding treats as alike: on a good encoder the neighbours of
a sneaker are sneakers. Neighbours are ranked by cosine similarity; a green frame marks a
neighbour of the query's class, a red one another class (no frame when unlabelled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from contrastkit.report._figure import new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def nearest_neighbours(
    queries: torch.Tensor, bank: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` bank rows most cosine-similar to each query, most similar first.

    Ties go to the lower bank index (a stable sort), so the grid is the same on every run.

    Shapes: queries (Q, D), bank (N, D), 1 ≤ k ≤ N → similarities (Q, k), indices (Q, k).
    """
    if queries.dim() != 2 or bank.dim() != 2 or queries.shape[1] != bank.shape[1]:
        raise ValueError(
            f"queries (Q, D) and bank (N, D) must share D, got {tuple(queries.shape)} and "
            f"{tuple(bank.shape)}"
        )
    if not 1 <= k <= bank.shape[0]:
        raise ValueError(f"k must be between 1 and the bank size {bank.shape[0]}, got {k}")
    sim = F.normalize(queries.float(), dim=1) @ F.normalize(bank.float(), dim=1).t()  # (Q, N)
    values, indices = sim.sort(dim=1, descending=True, stable=True)
    return values[:, :k], indices[:, :k]


def neighbour_grid(
    queries: torch.Tensor,
    neighbours: torch.Tensor,
    similarities: torch.Tensor,
    *,
    query_labels: torch.Tensor | None = None,
    neighbour_labels: torch.Tensor | None = None,
    classes: Sequence[str] | None = None,
) -> Figure:
    """One row per query: the query image, then its neighbours with their similarity.

    Shapes: queries uint8 (Q, C, H, W), neighbours uint8 (Q, k, C, H, W), similarities
    (Q, k), labels (Q,) and (Q, k) or None; C = 1 (shown grey) or 3.
    """
    q, k = similarities.shape
    if queries.shape[0] != q or neighbours.shape[:2] != (q, k):
        raise ValueError(
            f"expected {q} queries and ({q}, {k}) neighbours to match similarities, got "
            f"{tuple(queries.shape)} and {tuple(neighbours.shape)}"
        )
    fig, axes = new_figure(q, k + 1, width=1.15 * (k + 1), height=1.3 * q)
    for row in range(q):
        query_label = _label(query_labels, row)
        _show(axes[row, 0], queries[row])
        axes[row, 0].set_title(_name(query_label, classes) or "query", fontsize=7, weight="bold")
        for col in range(k):
            ax = axes[row, col + 1]
            _show(ax, neighbours[row, col])
            label = _label(neighbour_labels, row, col)
            ax.set_title(f"{float(similarities[row, col]):.2f}", fontsize=7)
            if query_label is not None and label is not None:
                _frame(ax, "tab:green" if label == query_label else "tab:red")
    fig.suptitle("nearest neighbours in the train bank (cosine similarity above each)", fontsize=9)
    return fig


def _show(ax: Axes, image: torch.Tensor) -> None:
    pixels = image.permute(1, 2, 0).cpu().numpy()  # (H, W, C)
    if pixels.shape[2] == 1:
        ax.imshow(pixels[:, :, 0], cmap="gray", vmin=0, vmax=255)
    else:
        ax.imshow(pixels)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _frame(ax: Axes, colour: str) -> None:
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color(colour)
        spine.set_linewidth(2.5)


def _label(labels: torch.Tensor | None, *index: int) -> int | None:
    if labels is None:
        return None
    value = int(labels[index])
    return value if value >= 0 else None


def _name(label: int | None, classes: Sequence[str] | None) -> str:
    if label is None:
        return ""
    return classes[label] if classes is not None and label < len(classes) else f"class {label}"
