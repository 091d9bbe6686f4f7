"""Histograms of positive vs negative cosine similarities between two views of the same images.

Row i of ``x`` and row i of ``y`` are two augmented views of image i: the pair is a
positive; ``(x_i, y_j)`` for j ≠ i are negatives. A trained encoder pushes positives
towards 1 and keeps negatives spread lower; two piles on top of each other mean the encoder
does not tell an image's other view from other images (no signal, or collapse).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from contrastkit.report._figure import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def pair_similarities(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Cosine similarities of the positive pairs and of every negative pair.

    Shapes: x (N, D), y (N, D), N ≥ 2 → positives (N,), negatives (N(N−1),), float32 on CPU.
    """
    if x.shape != y.shape or x.dim() != 2 or x.shape[0] < 2:
        raise ValueError(
            f"x and y must both be (N, D) with N ≥ 2, got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    sim = F.normalize(x.float(), dim=1) @ F.normalize(y.float(), dim=1).t()  # (N, N)
    off_diagonal = ~torch.eye(sim.shape[0], dtype=torch.bool, device=sim.device)
    return sim.diagonal().cpu(), sim[off_diagonal].cpu()


def similarity_histograms(panels: Mapping[str, tuple[torch.Tensor, torch.Tensor]]) -> Figure:
    """One panel per entry ``title: (positives, negatives)``: both as density histograms on
    [−1, 1], their means marked, the gap (mean pos − mean neg) in the title."""
    if not panels:
        raise ValueError("give at least one (positives, negatives) panel")
    fig, axes = new_figure(1, len(panels), width=5.2 * len(panels), height=3.6)
    bins = torch.linspace(-1, 1, 81).tolist()
    for ax, (title, (pos, neg)) in zip(axes.flat, panels.items(), strict=True):
        pos_np, neg_np = pos.float().numpy(), neg.float().numpy()
        ax.hist(neg_np, bins=bins, density=True, alpha=0.55, color="tab:red", label="negatives")
        ax.hist(pos_np, bins=bins, density=True, alpha=0.55, color="tab:blue", label="positives")
        for values, color in ((pos_np, "tab:blue"), (neg_np, "tab:red")):
            ax.axvline(float(values.mean()), color=color, ls="--", lw=1)
        gap = float(pos_np.mean() - neg_np.mean())
        ax.set_title(f"{title}\nmean pos − mean neg = {gap:.3f}", fontsize=10)
        ax.set_xlabel("cosine similarity")
        ax.set_xlim(-1, 1)
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("density")
    return fig
