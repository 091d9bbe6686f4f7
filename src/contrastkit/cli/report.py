"""``contrastkit report``: figures and a self-contained HTML page for a trained run."""

from __future__ import annotations

from pathlib import Path

import typer


def report(
    run: Path = typer.Option(..., "--run", "-r", help="Run directory written by `train`."),
    out: Path = typer.Option(
        None, "--out", "-o", help="Folder for the report (default RUN/report)."
    ),
    data: str = typer.Option(
        None,
        "--data",
        "-d",
        help="Images: labelled evaluation data (default: the run's test split).",
    ),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
    max_test: int = typer.Option(
        2000, "--max-test", min=2, help="Test images drawn for the similarities, map and queries."
    ),
    max_train: int = typer.Option(
        None, "--max-train", min=1, help="Train bank size (default: eval.max_train, else 10000)."
    ),
    queries: int = typer.Option(8, "--queries", min=1, help="Query images in the neighbour grid."),
    k: int = typer.Option(8, "--k", min=1, help="Neighbours shown per query."),
    projection: str = typer.Option(
        "auto", "--projection", help="auto (UMAP if installed, else PCA) | pca | umap"
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the test sample and the views."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Write report.html (images embedded) and PNGs: learning curves and the alignment–
    uniformity plane for every run; image runs add positive/negative similarities, a 2-D map
    of test embeddings and nearest neighbours (the other options are theirs)."""
    from contrastkit.api import open_run
    from contrastkit.engine.build import resolve_device
    from contrastkit.report.projection import PROJECTIONS
    from contrastkit.report.run_report import write_run_report

    if projection not in PROJECTIONS:
        raise typer.BadParameter(
            f"unknown projection {projection!r}; choose one of: {', '.join(PROJECTIONS)}",
            param_hint="--projection",
        )
    dev = resolve_device(device)
    options = {
        "max_test": max_test,
        "max_train": max_train,
        "queries": queries,
        "k": k,
        "projection": projection,
        "eval_source": data,
        "seed": seed,
        "progress": not quiet,
    }
    result = write_run_report(open_run(run, device=dev), out, device=dev, options=options)
    typer.echo(f"report: {result.html} ({len(result.pngs)} figures beside it)")
