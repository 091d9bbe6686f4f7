"""A parameter sweep: one short training per value, each measured the same way, one picture.

For each value the run lives in ``OUT/PARAM=VALUE`` (trained by ``engine.run.train_run``
with the override ``PARAM=VALUE``) and, once measured, holds ``sweep_point.json``; the task
must be :class:`~contrastkit.tasks.base.Sweepable`. A value
whose point was measured with the same settings is not trained again, and an interrupted
training resumes from its last checkpoint, so re-running the same sweep finishes it.
``OUT`` gets ``sweep.json``, ``sweep.png`` and a small self-contained ``sweep.html``.

Each point is measured on held-out images: weighted kNN accuracy of the representations h
(test sample against the train bank, with the run's ``eval`` settings), and alignment and
uniformity of the projections z of two training-style views of test images.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from contrastkit.engine.settings import RunConfig

if TYPE_CHECKING:
    from contrastkit.tasks.base import Sweepable, Task

# settings that do not change what a value's run measures
_BOOKKEEPING = {"device", "log_every", "checkpoint_every", "keep_checkpoints"}
POINT_FILE = "sweep_point.json"


@dataclass(frozen=True)
class SweepPoint:
    """What one value of the sweep measured. ``value`` is as given on the command line."""

    value: str
    run: str  # run directory, relative to the sweep folder
    knn_accuracy: float
    alignment: float
    uniformity: float
    final_loss: float | None
    steps: int


def run_dir_name(param: str, value: str) -> str:
    """``PARAM=VALUE`` with anything but letters, digits and ``._=+-`` replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9._=+-]", "_", f"{param}={value}")


def run_sweep(
    param: str,
    task: Task,
    configs: Sequence[tuple[str, RunConfig]],
    out: Path,
    *,
    max_test: int | None = 10_000,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> list[SweepPoint]:
    """Train and measure each ``(value, config)`` not yet finished; write the sweep's files.

    Raises:
        ValueError: on repeated values, or values whose run folders would collide, or a
            task that cannot be swept.
    """
    from contrastkit.tasks.base import Sweepable

    if not isinstance(task, Sweepable):
        raise ValueError(
            f"the {task.name} task has no sweep measure; train each value with "
            "`contrastkit train` and compare them with `contrastkit eval`"
        )
    names = [run_dir_name(param, value) for value, _ in configs]
    if len(set(names)) != len(names):
        raise ValueError(f"the values of {param} repeat (or differ only in punctuation)")
    out.mkdir(parents=True, exist_ok=True)
    points = []
    for (value, cfg), name in zip(configs, names, strict=True):
        point = finished_point(out / name, cfg)
        if point is not None:
            echo(f"{param}={value}: finished earlier, not retrained (kNN {point.knn_accuracy:.2%})")
        else:
            point = _train_and_measure(
                task, value, cfg, out / name, max_test=max_test, progress=progress
            )
            echo(
                f"{param}={value}: kNN {point.knn_accuracy:.2%}  alignment "
                f"{point.alignment:.3f}  uniformity {point.uniformity:.3f}  ({point.steps} steps)"
            )
        points.append(point)
    write_sweep_files(param, points, out)
    return points


def finished_point(run_dir: Path, cfg: RunConfig) -> SweepPoint | None:
    """The point ``run_dir`` measured with the settings of ``cfg`` (bookkeeping aside), if any."""
    path = run_dir / POINT_FILE
    if not path.exists():
        return None
    saved = json.loads(path.read_text())
    if _settings(saved["config"]) != _settings(json.loads(cfg.model_dump_json())):
        return None
    return SweepPoint(**saved["point"])


def _settings(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in _BOOKKEEPING}


def _train_and_measure(
    task: Task,
    value: str,
    cfg: RunConfig,
    run_dir: Path,
    *,
    max_test: int | None,
    progress: bool,
) -> SweepPoint:
    from contrastkit.engine import run as engine_run
    from contrastkit.engine.metrics_log import read_metrics

    # "auto": a value interrupted mid-training continues from its last checkpoint
    result = engine_run.train_run(task, cfg, run_dir, resume="auto", progress=progress)
    measure = cast("Sweepable", task)  # run_sweep checked it
    measured = measure.sweep_point(run_dir, cfg, max_test=max_test, progress=progress)
    losses = [row["loss"] for row in read_metrics(run_dir) if "loss" in row]
    point = SweepPoint(
        value=value,
        run=run_dir.name,
        knn_accuracy=measured["knn_accuracy"],
        alignment=measured["alignment"],
        uniformity=measured["uniformity"],
        final_loss=float(losses[-1]) if losses else None,
        steps=result.steps,
    )
    record = {"config": json.loads(cfg.model_dump_json()), "point": asdict(point)}
    _write_atomic(run_dir / POINT_FILE, json.dumps(record, indent=2) + "\n")
    return point


def write_sweep_files(param: str, points: Sequence[SweepPoint], out: Path) -> None:
    """``sweep.json``, ``sweep.png`` and ``sweep.html`` of the measured points in ``out``."""
    from contrastkit.report import html
    from contrastkit.report._figure import png_bytes
    from contrastkit.report.sweep_plot import sweep_figure

    best = max(points, key=lambda p: p.knn_accuracy)
    values = [p.value for p in points]
    metrics = {
        "knn_accuracy": [p.knn_accuracy for p in points],
        "alignment": [p.alignment for p in points],
        "uniformity": [p.uniformity for p in points],
    }
    png = png_bytes(sweep_figure(param, values, metrics, best=best.value))
    (out / "sweep.png").write_bytes(png)
    summary = {"param": param, "best": asdict(best), "points": [asdict(p) for p in points]}
    (out / "sweep.json").write_text(json.dumps(summary, indent=2) + "\n")
    rows = [
        (
            p.value,
            f"{p.knn_accuracy:.4f}",
            f"{p.alignment:.4f}",
            f"{p.uniformity:.4f}",
            "n/a" if p.final_loss is None else f"{p.final_loss:.4f}",
            p.steps,
            p.run,
        )
        for p in points
    ]
    header = (param, "kNN accuracy", "alignment", "uniformity", "final loss", "steps", "run")
    page = html.render_page(
        f"contrastkit sweep — {param}",
        [html.Section(f"kNN accuracy, alignment and uniformity against {param}", png, _CAPTION)],
        notes=[
            f"Best kNN accuracy: {param}={best.value} ({best.knn_accuracy:.2%}), run {best.run}."
        ],
        tables=[html.table(rows, header)],
    )
    (out / "sweep.html").write_text(page, encoding="utf-8")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


_CAPTION = (
    "Each value trained with otherwise identical settings. kNN accuracy: weighted kNN of the "
    "test representations h against the train bank. Alignment and uniformity: of the "
    "projections z of two augmented views of test images (Wang & Isola 2020); both lower "
    "is better."
)
