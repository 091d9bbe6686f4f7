"""The alignment–uniformity plane over training (Wang & Isola 2020, Fig. 2 and 5).

Wang & Isola, "Understanding Contrastive Representation Learning through Alignment and
Uniformity on the Hypersphere", ICML 2020, https://arxiv.org/abs/2005.10242. Each point is
one logged step: x = uniformity, y = alignment, both lower-is-better, so a healthy run
travels towards the lower left; a collapsing one drifts right (uniformity → 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from contrastkit.report._figure import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plane_points(rows: Sequence[Mapping[str, Any]]) -> tuple[list[int], list[float], list[float]]:
    """``(steps, uniformity, alignment)`` of the rows that hold both numbers."""
    steps, unif, align = [], [], []
    for row in rows:
        u, a = row.get("uniformity"), row.get("alignment")
        if isinstance(u, int | float) and isinstance(a, int | float) and "step" in row:
            steps.append(int(row["step"]))
            unif.append(float(u))
            align.append(float(a))
    return steps, unif, align


def alignment_uniformity_plane(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """Scatter of (uniformity, alignment) per logged step, coloured by step, path drawn faintly.

    Raises:
        ValueError: when no row holds both ``alignment`` and ``uniformity``.
    """
    steps, unif, align = plane_points(rows)
    if not steps:
        raise ValueError("no metrics row holds both alignment and uniformity")
    fig, axes = new_figure(width=5.6, height=4.4)
    ax = axes[0, 0]
    ax.plot(unif, align, color="0.75", lw=0.8, zorder=1)
    points = ax.scatter(unif, align, c=steps, cmap="viridis", s=22, zorder=2)
    fig.colorbar(points, ax=ax, label="step")
    ax.annotate("start", (unif[0], align[0]), textcoords="offset points", xytext=(6, 4))
    ax.annotate("end", (unif[-1], align[-1]), textcoords="offset points", xytext=(6, 4))
    ax.set_xlabel("uniformity  log E exp(−2‖x−y‖²)  (lower is more uniform)")
    ax.set_ylabel("alignment  E ‖x−x⁺‖²  (lower is better)")
    ax.set_title("alignment–uniformity plane over training (better: lower left)", fontsize=10)
    ax.grid(alpha=0.3)
    return fig
