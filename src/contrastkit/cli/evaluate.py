"""``contrastkit eval``: score a trained run's encoder the way its task does (images: kNN and
a linear probe; text: STS-B correlation and pair retrieval)."""

from __future__ import annotations

from pathlib import Path

import typer


def evaluate(
    run: Path = typer.Option(..., "--run", "-r", help="Run directory written by `train`."),
    data: str = typer.Option(
        None, "--data", "-d", help="Evaluation data (default: the run's held-out data)."
    ),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
    set_: list[str] = typer.Option(
        [], "--set", help="Change an eval.* setting for this evaluation (e.g. eval.knn_k=20)."
    ),
    no_probe: bool = typer.Option(False, "--no-probe", help="Images: skip the linear probe."),
    knn_k: int = typer.Option(
        None, "--knn-k", min=1, help="Images: neighbours that vote (eval.knn_k)."
    ),
    knn_temperature: float = typer.Option(
        None, "--knn-temperature", help="Images: temperature (> 0) of the vote weights."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Evaluate a run's encoder; prints the scores and writes eval.json in the run.

    Images: weighted kNN and a linear probe on the labelled test split (or --data). Text:
    Spearman on STS-B (eval.sts_split) and retrieval (MRR@10, nDCG@10, Recall@k) of column 2
    by column 1 on the held-out split of the training source, or on --data.
    """
    from contrastkit.api import open_run
    from contrastkit.engine.build import resolve_device
    from contrastkit.engine.run import write_json

    flags = {"eval.knn_k": knn_k, "eval.knn_temperature": knn_temperature}
    overrides = [f"{k}={v}" for k, v in flags.items() if v is not None]
    if no_probe:
        overrides.append("eval.probe=false")
    dev = resolve_device(device)
    trained = open_run(run, device=dev)
    result = trained.task.evaluate(
        trained, data=data, overrides=[*overrides, *set_], device=dev, progress=not quiet
    )
    write_json(run / "eval.json", result.scores)
    typer.echo(result.summary)
