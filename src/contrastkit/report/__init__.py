"""Plots and the HTML run report.

One file per figure family, each a function of tensors or metric rows that returns a
matplotlib ``Figure`` (matplotlib, the ``[viz]`` extra, is imported only when a figure is
drawn, on the Agg canvas; no pyplot state is touched):

* :func:`learning_curves` (``curves.py``), :func:`alignment_uniformity_plane` (``plane.py``)
  — from ``metrics.jsonl`` rows;
* :func:`similarity_histograms` with :func:`pair_similarities` (``similarities.py``);
* :func:`projection_scatter` with :func:`project_2d` / :func:`pca_2d` (``projection.py``);
* :func:`neighbour_grid` with :func:`nearest_neighbours` (``neighbours.py``);
* :func:`sweep_figure` (``sweep_plot.py``).

:func:`render_page` (``html.py``) inlines PNGs into one self-contained page;
:func:`write_run_report` (``run_report.py``) and :func:`run_sweep` (``sweep.py``) are what
``contrastkit report`` and ``contrastkit sweep`` call.
"""

from contrastkit.report._figure import new_figure, png_bytes, save_png
from contrastkit.report.curves import learning_curves, metric_series
from contrastkit.report.html import Section, data_uri, render_page
from contrastkit.report.neighbours import nearest_neighbours, neighbour_grid
from contrastkit.report.plane import alignment_uniformity_plane
from contrastkit.report.projection import pca_2d, project_2d, projection_scatter
from contrastkit.report.run_report import RunReport, write_run_report
from contrastkit.report.similarities import pair_similarities, similarity_histograms
from contrastkit.report.sweep import SweepPoint, run_sweep
from contrastkit.report.sweep_plot import sweep_figure

__all__ = [
    "RunReport",
    "Section",
    "SweepPoint",
    "alignment_uniformity_plane",
    "data_uri",
    "learning_curves",
    "metric_series",
    "nearest_neighbours",
    "neighbour_grid",
    "new_figure",
    "pair_similarities",
    "pca_2d",
    "png_bytes",
    "project_2d",
    "projection_scatter",
    "render_page",
    "run_sweep",
    "save_png",
    "similarity_histograms",
    "sweep_figure",
    "write_run_report",
]
