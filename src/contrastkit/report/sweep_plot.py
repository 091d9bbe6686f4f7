"""The picture of a parameter sweep: each measured quantity against the swept value."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import yaml

from contrastkit.report._figure import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# how to read each quantity the sweep measures, under its panel title
_HINTS = {
    "knn_accuracy": "higher is better",
    "alignment": "lower = positives closer",
    "uniformity": "lower = more uniform",
    "final_loss": "not comparable across τ",
}


def numeric_values(values: Sequence[str]) -> list[float] | None:
    """The values as numbers when every one reads as a number, else None.

    A value is read as YAML (as ``--set`` reads it), then, if it is still text, as a Python
    float: PyYAML takes ``1e-3`` for a string, pydantic then for 0.001. Booleans are not
    numbers here.
    """
    numbers = [_number(v) for v in values]
    if any(n is None for n in numbers):
        return None
    return [float(n) for n in numbers if n is not None]


def _number(text: str) -> float | None:
    value = yaml.safe_load(text)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(text)
    except ValueError:
        return None


def sweep_figure(
    param: str,
    values: Sequence[str],
    metrics: Mapping[str, Sequence[float | None]],
    *,
    best: str | None = None,
    best_by: str = "kNN accuracy",
) -> Figure:
    """One panel per metric, its value at each swept value; the ``best`` value (by
    ``best_by``) marked with a star.

    Numeric values go on a numeric axis (logarithmic when all are positive and span a
    factor of 10 or more, as temperatures and learning rates do); other values (method names,
    backbones) are evenly spaced categories in the order given. ``None`` entries are gaps.
    """
    if not values or not metrics:
        raise ValueError("a sweep figure needs at least one value and one metric")
    numbers = numeric_values(values)
    x = numbers if numbers is not None else list(range(len(values)))
    log = numbers is not None and min(numbers) > 0 and max(numbers) / min(numbers) >= 10
    fig, axes = new_figure(1, len(metrics), width=4.3 * len(metrics), height=3.5)
    for ax, (name, ys) in zip(axes.flat, metrics.items(), strict=True):
        if len(ys) != len(values):
            raise ValueError(f"metric {name!r} has {len(ys)} entries for {len(values)} values")
        y = [math.nan if v is None else float(v) for v in ys]
        ax.plot(x, y, marker="o", lw=1.6)
        if best is not None and best in values:
            i = list(values).index(best)
            ax.plot([x[i]], [y[i]], marker="*", ms=15, color="tab:orange", ls="none", zorder=3)
        if log:
            ax.set_xscale("log")
        ax.set_xticks(x, list(values))
        ax.minorticks_off()
        hint = _HINTS.get(name)
        ax.set_title(f"{name}\n({hint})" if hint else name, fontsize=10)
        ax.set_xlabel(param)
        ax.grid(alpha=0.3)
    if best is not None:
        fig.suptitle(f"sweep of {param}; ★ best {best_by} at {param}={best}", fontsize=10)
    return fig
