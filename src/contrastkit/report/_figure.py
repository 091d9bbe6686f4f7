"""Figures without pyplot: matplotlib imported lazily, drawn on the Agg canvas, saved as PNG.

``matplotlib.figure.Figure`` with an explicit ``FigureCanvasAgg`` touches no global backend
state, so building a report never changes the backend of a notebook or a GUI that imported
contrastkit, and ``import contrastkit`` (and the CLI) never imports matplotlib.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100


def new_figure(rows: int = 1, cols: int = 1, *, width: float, height: float) -> tuple[Figure, Any]:
    """A ``width × height`` inch figure on the Agg canvas and its ``(rows, cols)`` axes array.

    The axes come back as a 2-D numpy array (``squeeze=False``) whatever the grid.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:  # the [viz] extra
        raise ImportError(
            "plots need matplotlib; install it with: pip install 'contrastkit[viz]'"
        ) from e
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False)
    return fig, axes


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def save_png(fig: Figure, path: Path) -> Path:
    """Write the figure to ``path`` as PNG (parent folders created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(fig))
    return path
