"""Learning curves: one small panel per metric that ``metrics.jsonl`` holds, against the step."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from contrastkit.report._figure import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# shown first, in this order; any other metric follows alphabetically
_FIRST = ("loss", "lr", "alignment", "uniformity", "std_normalized", "effective_rank")

# what each known metric means, under its panel title
_HINTS = {
    "alignment": "lower = positives closer",
    "uniformity": "lower = more uniform",
    "std_normalized": "≈ 1/√d healthy, 0 = collapse",
    "effective_rank": "higher = more dimensions used",
}


def metric_series(rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[list[int], list[float]]]:
    """``{name: (steps, values)}`` for every scalar metric in the rows, known ones first.

    A row is ``{"step": s, name: value, ...}`` as ``metrics.jsonl`` holds it. Booleans (e.g.
    a collapse flag) become 0/1; strings, lists and rows without a step are left out; a
    metric missing from some rows is a series over the rows that hold it.
    """
    series: dict[str, tuple[list[int], list[float]]] = {}
    for row in rows:
        step = row.get("step")
        if not isinstance(step, int):
            continue
        for name, value in row.items():
            if name == "step" or not isinstance(value, int | float):
                continue
            steps, values = series.setdefault(name, ([], []))
            steps.append(step)
            values.append(float(value))
    known = [n for n in _FIRST if n in series]
    return {n: series[n] for n in [*known, *sorted(set(series) - set(known))]}


def learning_curves(rows: Sequence[Mapping[str, Any]], *, columns: int = 3) -> Figure:
    """A grid of panels, one per metric of :func:`metric_series`, each value against the step.

    Raises:
        ValueError: when the rows hold no scalar metric.
    """
    series = metric_series(rows)
    if not series:
        raise ValueError("the metrics hold no scalar values to plot; train with log_every ≥ 1")
    cols = min(columns, len(series))
    grid_rows = math.ceil(len(series) / cols)
    fig, axes = new_figure(grid_rows, cols, width=4.2 * cols, height=2.8 * grid_rows)
    for ax, (name, (steps, values)) in zip(axes.flat, series.items(), strict=False):
        ax.plot(steps, values, marker="." if len(steps) < 30 else None, lw=1.4)
        hint = _HINTS.get(name)
        ax.set_title(f"{name}\n({hint})" if hint else name, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(series) :]:
        ax.set_visible(False)
    return fig
