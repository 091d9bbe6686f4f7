"""A 2-D map of embeddings coloured by class: PCA (torch SVD) by default, UMAP when installed.

PCA is exact and deterministic and shows the directions of largest variance, so it
under-separates classes that differ along many directions; UMAP (``umap-learn``, optional)
shows neighbourhoods instead, at the cost of distances that mean little across the map.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from contrastkit.report._figure import new_figure

if TYPE_CHECKING:
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure

PROJECTIONS = ("auto", "pca", "umap")


def pca_2d(x: torch.Tensor) -> torch.Tensor:
    """The coordinates of the rows on their first two principal axes.

    Exact SVD of the centred rows (``torch.linalg.svd``; the randomised ``pca_lowrank`` would
    make the map differ between runs). Each axis's sign is fixed so its largest loading is
    positive, so the picture does not flip between runs either.

    Shapes: x (N, D), N ≥ 2, D ≥ 2 → (N, 2) float32.
    """
    if x.dim() != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"x must be (N, D) with N ≥ 2 and D ≥ 2, got {tuple(x.shape)}")
    centred = x.double() - x.double().mean(dim=0)  # (N, D)
    _, _, vh = torch.linalg.svd(centred, full_matrices=False)  # vh (min(N, D), D)
    axes = vh[:2]  # (2, D)
    signs = torch.sign(axes.gather(1, axes.abs().argmax(dim=1, keepdim=True)))  # (2, 1)
    return (centred @ (axes * signs).t()).float()  # (N, 2)


def umap_available() -> bool:
    return importlib.util.find_spec("umap") is not None


def project_2d(x: torch.Tensor, method: str = "auto", *, seed: int = 0) -> tuple[torch.Tensor, str]:
    """The rows mapped to 2-D, and the name of the map used ("pca" or "umap").

    ``method``: "pca", "umap" (needs ``umap-learn``), or "auto" (UMAP when importable, else
    PCA). Shapes: x (N, D) → (N, 2).
    """
    if method not in PROJECTIONS:
        raise ValueError(f"unknown projection {method!r}; choose one of: {', '.join(PROJECTIONS)}")
    if method == "pca" or (method == "auto" and not umap_available()):
        return pca_2d(x), "pca"
    if not umap_available():
        raise ValueError("projection 'umap' needs umap-learn; pip install umap-learn, or use pca")
    import umap

    reducer = umap.UMAP(n_components=2, random_state=seed)
    return torch.from_numpy(reducer.fit_transform(x.float().numpy())).float(), "umap"


def projection_scatter(
    points: torch.Tensor,
    labels: torch.Tensor,
    *,
    classes: Sequence[str] | None = None,
    title: str = "test embeddings",
) -> Figure:
    """Scatter of 2-D ``points`` coloured by ``labels`` (−1: unlabelled, grey), legend by class.

    Shapes: points (N, 2), labels (N,).
    """
    if points.dim() != 2 or points.shape[1] != 2 or labels.shape != points.shape[:1]:
        raise ValueError(
            f"points must be (N, 2) and labels (N,), got {tuple(points.shape)} and "
            f"{tuple(labels.shape)}"
        )
    fig, axes = new_figure(width=6.4, height=5.0)
    ax = axes[0, 0]
    present = sorted(set(labels.tolist()))
    known = [c for c in present if c >= 0]
    cmap = _class_colours(len(known))
    for i, c in enumerate(known):
        mask = labels == c
        name = classes[c] if classes is not None and c < len(classes) else str(c)
        colour = cmap(i % cmap.N)  # more than 20 classes share colours
        ax.scatter(*points[mask].t().numpy(), s=6, alpha=0.7, color=colour, label=name)
    if -1 in present:
        mask = labels == -1
        ax.scatter(*points[mask].t().numpy(), s=6, alpha=0.5, color="0.6", label="unlabelled")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=7, markerscale=2.5, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


def _class_colours(n: int) -> Colormap:
    import matplotlib

    return matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
