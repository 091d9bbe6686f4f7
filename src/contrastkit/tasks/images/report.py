"""The image task's figures in ``contrastkit report``, beside the learning curves:

* ``similarities.png`` — cosine similarities of positive vs negative pairs, from two
  training-style augmented views of test images, for the projections z and the
  representations h;
* ``projection.png`` — a 2-D map (PCA, or UMAP when installed) of test representations h,
  coloured by class;
* ``neighbours.png`` — test queries and their nearest neighbours among training images.

The summary adds the test sample's kNN accuracy against the bank, and alignment, uniformity
and the mean positive − negative cosine of the two-view pairs (z: projections, h:
representations).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import torch

from contrastkit.report import html
from contrastkit.report._figure import png_bytes

if TYPE_CHECKING:
    from contrastkit.engine.run import TrainedRun
    from contrastkit.tasks.images.collect import EmbeddedRun, ViewPairs

MAX_TEST = 2000  # test images drawn by default (``contrastkit report --max-test``)


def report_sections(
    trained: TrainedRun, options: Mapping[str, Any], device: torch.device
) -> tuple[list[tuple[str, html.Section]], dict[str, Any]]:
    """The image figures and summary numbers of a run's report.

    ``options``: ``max_test`` test images drawn for the views, the map and the queries; the
    bank is the first ``max_train`` training images (default ``eval.max_train`` of the run,
    else 10,000); ``queries`` images, one class after another, each get ``k`` neighbours;
    ``projection`` (auto | pca | umap); ``eval_source`` replaces the run's labelled test
    data; ``seed``; ``progress``.
    """
    from contrastkit.tasks.images.collect import GEOMETRY_SAMPLES, embed_run

    seed = int(options.get("seed", 0))
    run = embed_run(
        trained,
        device=device,
        max_test=options.get("max_test", MAX_TEST),
        max_train=options.get("max_train"),
        eval_source=options.get("eval_source"),
        seed=seed,
        progress=bool(options.get("progress", True)),
    )
    pairs = run.pairs(GEOMETRY_SAMPLES, seed=seed)  # O(N²) similarities: capped
    scatter, used = _projection(run, str(options.get("projection", "auto")), seed)
    sections = [
        ("similarities", _similarities(pairs)),
        ("projection", scatter),
        ("neighbours", _neighbours(run, int(options.get("queries", 8)), int(options.get("k", 8)))),
    ]
    return sections, {**_summary(run, pairs), "projection": used}


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
    from contrastkit.report.projection import project_2d, projection_scatter
    from contrastkit.tasks.images.collect import labels_of

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
    from contrastkit.report.neighbours import nearest_neighbours, neighbour_grid
    from contrastkit.tasks.images.collect import labels_of

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


def _summary(run: EmbeddedRun, pairs: ViewPairs) -> dict[str, Any]:
    from contrastkit.diagnostics import alignment, positive_negative_gap, uniformity

    cfg = run.trained.config
    summary: dict[str, Any] = {
        "temperature": cfg.temperature if cfg.temperature is not None else "method default",
        "data": cfg.data.source,
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
