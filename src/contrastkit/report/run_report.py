"""The report of one training run: PNG figures and a self-contained ``report.html``.

Every run gets, from its ``metrics.jsonl``:

* ``curves.png`` — every metric it holds, against the step;
* ``plane.png`` — the alignment–uniformity plane over training, coloured by step.

A task that implements :class:`~contrastkit.tasks.base.Reportable` adds figures of its own
(images: similarities of positive vs negative pairs, a 2-D map of test embeddings, nearest
neighbours). ``report.json`` holds the numbers of the summary table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from contrastkit.report import html
from contrastkit.report._figure import png_bytes

if TYPE_CHECKING:
    from contrastkit.engine.run import TrainedRun


@dataclass(frozen=True)
class RunReport:
    html: Path
    pngs: dict[str, Path]  # figure name → PNG file
    summary: dict[str, Any]


def write_run_report(
    run: TrainedRun,
    out_dir: Path | None = None,
    *,
    device: torch.device,
    options: Mapping[str, Any] | None = None,
) -> RunReport:
    """Write the report of a reopened run into ``out_dir`` (default ``RUN/report``).

    ``options`` go to the task's own figures (images: ``max_test``, ``max_train``,
    ``queries``, ``k``, ``projection``, ``eval_source``, ``seed``, ``progress``).
    """
    from contrastkit.engine.metrics_log import read_metrics
    from contrastkit.tasks.base import Reportable

    out_dir = out_dir if out_dir is not None else run.run_dir / "report"
    rows = read_metrics(run.run_dir)
    figures, notes = _training_figures(rows)
    summary = _summary(run, rows)
    if isinstance(run.task, Reportable):
        sections, numbers = run.task.report_sections(run, options or {}, device)
        figures.extend(sections)
        summary.update(numbers)
    else:
        notes.append(f"the {run.task.name} task draws no figures beyond the training curves.")
    summary.update(_evaluation(run.run_dir))

    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for name, section in figures:
        pngs[name] = out_dir / f"{name}.png"
        pngs[name].write_bytes(section.png)
    page = html.render_page(
        f"contrastkit report — {run.run_dir.name}",
        [section for _, section in figures],
        summary=summary,
        notes=notes,
    )
    (out_dir / "report.html").write_text(page, encoding="utf-8")
    (out_dir / "report.json").write_text(json.dumps(summary, indent=2) + "\n")
    return RunReport(out_dir / "report.html", pngs, summary)


def _training_figures(
    rows: Sequence[dict[str, Any]],
) -> tuple[list[tuple[str, html.Section]], list[str]]:
    """Learning curves and the alignment–uniformity plane, or notes on why they are missing."""
    from contrastkit.report.curves import learning_curves, metric_series
    from contrastkit.report.plane import alignment_uniformity_plane, plane_points

    figures, notes = [], []
    if metric_series(rows):
        curves = png_bytes(learning_curves(rows))
        figures.append(("curves", html.Section("Learning curves", curves, _CURVES)))
    else:
        notes.append("metrics.jsonl is missing or holds no metric: no learning curves.")
    if plane_points(rows)[0]:
        plane = png_bytes(alignment_uniformity_plane(rows))
        figures.append(("plane", html.Section("Alignment–uniformity plane", plane, _PLANE)))
    else:
        notes.append(
            "no metrics row holds alignment and uniformity: no alignment–uniformity plane."
        )
    return figures, notes


def _summary(run: TrainedRun, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    losses = [row["loss"] for row in rows if "loss" in row]
    return {
        "run": str(run.run_dir),
        "task": run.task.name,
        "method": run.config.method,
        "steps": run.step,
        "final_loss": round(losses[-1], 4) if losses else None,
    }


def _evaluation(run_dir: Path) -> dict[str, Any]:
    """``eval.json`` (written by ``contrastkit eval``), its keys prefixed ``eval_``."""
    path = run_dir / "eval.json"
    if not path.exists():
        return {}
    return {f"eval_{key}": value for key, value in json.loads(path.read_text()).items()}


_CURVES = (
    "Every metric the training loop logged, against the optimiser step. alignment and "
    "uniformity are measured on each logged batch's projections (Wang & Isola 2020)."
)
_PLANE = (
    "Each logged step as a point (uniformity, alignment), coloured by step. Both are lower-"
    "is-better, so training should move towards the lower left; a run drifting right "
    "(uniformity towards 0) is collapsing."
)
