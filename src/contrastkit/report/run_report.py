"""The report of one training run: PNG figures and a self-contained ``report.html``.

Figures, each written as a PNG beside the page:

* ``curves.png`` — every metric ``metrics.jsonl`` holds, against the step;
* ``plane.png`` — the alignment–uniformity plane over training, coloured by step;
* ``similarities.png`` — cosine similarities of positive vs negative pairs, from two
  training-style augmented views of test images, for the projections z and the
  representations h;
* ``projection.png`` — a 2-D map (PCA, or UMAP when installed) of test representations h,
  coloured by class;
* ``neighbours.png`` — test queries and their nearest neighbours among training images.

``report.json`` holds the numbers of the summary table: the test sample's kNN accuracy
against the bank, and alignment, uniformity and the mean positive − negative cosine of
the two-view pairs (z: projections, h: representations).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from contrastkit.report import html
from contrastkit.report._figure import png_bytes

if TYPE_CHECKING:
    from contrastkit.report.collect import EmbeddedRun, ViewPairs

MAX_TEST = 2000  # test images drawn by default (``contrastkit report --max-test``)


@dataclass(frozen=True)
class RunReport:
    html: Path
    pngs: dict[str, Path]  # figure name → PNG file
    summary: dict[str, Any]


def write_run_report(
    run_dir: Path,
    out_dir: Path | None = None,
    *,
    device: torch.device,
    max_test: int = MAX_TEST,
    max_train: int | None = None,
    queries: int = 8,
    k: int = 8,
    projection: str = "auto",
    eval_source: str | None = None,
    seed: int = 0,
    progress: bool = True,
) -> RunReport:
    """Write the report of ``run_dir`` into ``out_dir`` (default ``run_dir / "report"``).

    ``max_test`` test images are drawn for the views, the map and the queries; the bank is
    the first ``max_train`` training images (default ``eval.max_train`` of the run, else
    10,000). ``queries`` images, one class after another, each get ``k`` neighbours.
    ``eval_source`` replaces the run's labelled test data.
    """
    from contrastkit.engine.metrics_log import read_metrics
    from contrastkit.report.collect import GEOMETRY_SAMPLES, embed_run

    out_dir = out_dir if out_dir is not None else run_dir / "report"
    rows = read_metrics(run_dir)
    run = embed_run(
        run_dir,
        device=device,
        max_test=max_test,
        max_train=max_train,
        eval_source=eval_source,
        seed=seed,
        progress=progress,
    )
    pairs = run.pairs(GEOMETRY_SAMPLES, seed=seed)  # O(N²) similarities: capped
    figures, notes = _training_figures(rows)
    figures.append(("similarities", _similarities(pairs)))
    scatter, used = _projection(run, projection, seed)
    figures.append(("projection", scatter))
    figures.append(("neighbours", _neighbours(run, queries, k)))
    summary = {**_summary(run_dir, run, pairs, rows), "projection": used}

    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for name, section in figures:
        pngs[name] = out_dir / f"{name}.png"
        pngs[name].write_bytes(section.png)
    page = html.render_page(
        f"contrastkit report — {run_dir.name}",
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


def _similarities(pairs: ViewPairs) -> html.Section:
    from contrastkit.report.similarities import pair_similarities, similarity_histograms

    figure = similarity_histograms(
        {
            "projections z (what the loss compares)": pair_similarities(pairs.z1, pairs.z2),
            "representations h (what kNN and search use)": pair_similarities(pairs.h1, pairs.h2),
        }
    )
    return html.Section("Positive vs negative similarities", png_bytes(figure), _SIMS)


def _projection(run: EmbeddedRun, projection: str, seed: int) -> tuple[html.Section, str]:
    """The class-coloured map of the test representations, and the map used (pca/umap)."""
    from contrastkit.report.collect import labels_of
    from contrastkit.report.projection import project_2d, projection_scatter

    points, used = project_2d(run.test_h, projection, seed=seed)
    figure = projection_scatter(
        points,
        labels_of(run.test),
        classes=run.test.classes,
        title=f"{used.upper()} of {len(run.test)} test representations h",
    )
    caption = _MAP + (_PCA if used == "pca" else _UMAP)
    return html.Section(f"Test embeddings ({used.upper()})", png_bytes(figure), caption), used


def _neighbours(run: EmbeddedRun, queries: int, k: int) -> html.Section:
    from contrastkit.report.collect import labels_of
    from contrastkit.report.neighbours import nearest_neighbours, neighbour_grid

    test_y, bank_y = labels_of(run.test), labels_of(run.bank)
    picked = pick_queries(test_y, queries)  # (Q,)
    sim, idx = nearest_neighbours(run.test_h[picked], run.bank_h, min(k, len(bank_y)))
    figure = neighbour_grid(
        run.test.images[picked],
        run.bank.images[idx],  # (Q, k, C, H, W)
        sim,
        query_labels=test_y[picked],
        neighbour_labels=bank_y[idx],
        classes=run.test.classes,
    )
    return html.Section("Nearest neighbours", png_bytes(figure), _NEIGHBOURS)


def _summary(
    run_dir: Path, run: EmbeddedRun, pairs: ViewPairs, rows: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    from contrastkit.diagnostics import alignment, positive_negative_gap, uniformity

    cfg = run.trained.config
    losses = [row["loss"] for row in rows if "loss" in row]
    summary: dict[str, Any] = {
        "run": str(run_dir),
        "method": cfg.method,
        "steps": run.trained.step,
        "temperature": cfg.temperature if cfg.temperature is not None else "method default",
        "data": cfg.data.source,
        "final_loss": round(losses[-1], 4) if losses else None,
        "test_sample": len(run.test),
        "train_bank": len(run.bank),
        "test_alignment_z": _round(alignment(pairs.z1, pairs.z2)),
        "test_uniformity_z": _round(uniformity(pairs.z1)),
        "pos_neg_gap_z": _round(positive_negative_gap(pairs.z1, pairs.z2)),
        "pos_neg_gap_h": _round(positive_negative_gap(pairs.h1, pairs.h2)),
    }
    knn = run.knn_accuracy(k=cfg.eval.knn_k, temperature=cfg.eval.knn_temperature)
    if knn is not None:
        summary["knn_accuracy_sample"] = _round(knn)
        summary["knn_k"] = cfg.eval.knn_k
    eval_json = run_dir / "eval.json"
    if eval_json.exists():  # written by `contrastkit eval` (full test set, linear probe)
        for key, value in json.loads(eval_json.read_text()).items():
            summary[f"eval_{key}"] = value
    return summary


def pick_queries(labels: torch.Tensor, n: int) -> torch.Tensor:
    """Indices of ``n`` images taking the classes in turn: the first image of each class,
    then the second of each, … (so the grid shows as many classes as it can). ``(n,)``."""
    seen: dict[int, int] = {}
    rank = []
    for label in labels.tolist():
        rank.append(seen.get(label, 0))
        seen[label] = rank[-1] + 1
    order = sorted(range(len(rank)), key=lambda i: (rank[i], i))
    return torch.tensor(order[:n], dtype=torch.int64)


def _round(value: Any) -> float:
    return round(float(value), 4)


_CURVES = (
    "Every metric the training loop logged, against the optimiser step. alignment and "
    "uniformity are measured on each logged batch's projections (Wang & Isola 2020)."
)
_PLANE = (
    "Each logged step as a point (uniformity, alignment), coloured by step. Both are lower-"
    "is-better, so training should move towards the lower left; a run drifting right "
    "(uniformity towards 0) is collapsing."
)
_SIMS = (
    "Two training-style augmented views of each sampled test image (up to 2,000), passed "
    "through the trained model in eval mode. A positive is the pair of views of one image; "
    "negatives are views of two different images. Left: the projections z the loss "
    "compares; right: the representations h used downstream. The further apart the two "
    "piles, the better the encoder tells an image's other view from other images."
)
_MAP = (
    "The representations h of the sampled test images, mapped to two dimensions and "
    "coloured by class. "
)
_PCA = (
    "PCA shows only the two directions of largest variance, so classes that overlap here "
    "may still separate in the full space (see the kNN accuracy)."
)
_UMAP = "UMAP keeps neighbourhoods, not distances: the gaps between clusters mean little."
_NEIGHBOURS = (
    "Left column: test queries, one class after another. Then their nearest training images "
    "by cosine similarity of h, most similar first; green frame: same class as the query, "
    "red: another class."
)
