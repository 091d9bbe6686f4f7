"""``contrastkit eval``: kNN and linear-probe accuracy of a trained run's encoder."""

from __future__ import annotations

from pathlib import Path

import typer


def evaluate(
    run: Path = typer.Option(..., "--run", "-r", help="Run directory written by `train`."),
    data: str = typer.Option(
        None, "--data", "-d", help="Labelled evaluation data (default: the run's)."
    ),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
    no_probe: bool = typer.Option(False, "--no-probe", help="Skip the linear probe."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Evaluate a run's encoder; prints the accuracies and writes eval.json in the run."""
    from contrastkit.engine.build import (
        encoder_of,
        load_eval_data,
        load_image_data,
        resolve_device,
    )
    from contrastkit.engine.embed import eval_transform
    from contrastkit.engine.evaluate import evaluate_encoder
    from contrastkit.engine.run import load_trained, write_json

    dev = resolve_device(device)
    trained = load_trained(run, dev)
    cfg = trained.config
    if data is not None:
        cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"eval_source": data})})
    test = load_eval_data(cfg)
    if test is None:
        raise typer.BadParameter(
            f"{cfg.data.source} has no test split; pass labelled data with --data"
        )
    report = evaluate_encoder(
        encoder_of(trained.method),
        load_image_data(
            cfg.model_copy(
                update={"data": cfg.data.model_copy(update={"max_samples": cfg.eval.max_train})}
            )
        ).train,
        test,
        eval_transform(trained.input, dev),
        device=dev,
        knn_k=cfg.eval.knn_k,
        knn_temperature=cfg.eval.knn_temperature,
        probe_epochs=None if no_probe else cfg.eval.probe_epochs,
        progress=not quiet,
    )
    write_json(run / "eval.json", report)
    probe = "skipped" if report.probe_accuracy is None else f"{report.probe_accuracy:.2%}"
    typer.echo(
        f"kNN accuracy {report.knn_accuracy:.2%}  linear probe {probe}  (step {trained.step})"
    )
