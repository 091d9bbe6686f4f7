"""``contrastkit eval``: kNN and linear-probe accuracy of a trained image encoder; STS-B
correlation and pair retrieval of a trained text encoder."""

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
    knn_k: int = typer.Option(
        None, "--knn-k", min=1, help="Neighbours that vote (default: the run's eval.knn_k)."
    ),
    knn_temperature: float = typer.Option(
        None,
        "--knn-temperature",
        help="Temperature (> 0) of the vote weights (default: the run's eval.knn_temperature).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Evaluate a run's encoder; prints the scores and writes eval.json in the run.

    Text runs: Spearman on STS-B (eval.sts_split) and retrieval (MRR@10, nDCG@10, Recall@k)
    of column 2 by column 1 on the held-out split of the training source, or on --data.
    """
    from contrastkit.engine.text_run import is_text_run

    if knn_temperature is not None and not knn_temperature > 0:
        raise typer.BadParameter(f"--knn-temperature must be > 0, got {knn_temperature}")
    if is_text_run(run):
        if knn_k is not None or knn_temperature is not None:
            raise typer.BadParameter("--knn-k and --knn-temperature apply to image runs only")
        _evaluate_text(run, data, device, quiet)
        return
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
        knn_k=cfg.eval.knn_k if knn_k is None else knn_k,
        knn_temperature=cfg.eval.knn_temperature if knn_temperature is None else knn_temperature,
        probe_epochs=None if no_probe else cfg.eval.probe_epochs,
        progress=not quiet,
    )
    write_json(run / "eval.json", report)
    probe = "skipped" if report.probe_accuracy is None else f"{report.probe_accuracy:.2%}"
    typer.echo(
        f"kNN accuracy {report.knn_accuracy:.2%} (k={report.knn_k}, τ={report.knn_temperature:g})"
        f"  linear probe {probe}  (step {trained.step})"
    )


def _evaluate_text(run: Path, data: str | None, device: str, quiet: bool) -> None:
    from contrastkit.data.text_sources import load_text_rows
    from contrastkit.engine.build import resolve_device
    from contrastkit.engine.run import write_json
    from contrastkit.engine.text_evaluate import pair_retrieval, sts_score
    from contrastkit.engine.text_run import load_trained_text

    trained = load_trained_text(run, resolve_device(device))
    cfg, encoder = trained.config, trained.encoder
    size = cfg.eval.batch_size
    scores: dict[str, float] = {}
    if cfg.eval.sts_split is not None:
        scores.update(sts_score(encoder, cfg.eval.sts_split, batch_size=size, progress=not quiet))
    pairs = None
    if data is not None:
        pairs = load_text_rows(data, "train")
    elif ":" in cfg.data.source:  # a file has no held-out split of its own
        typer.echo(f"no retrieval: {cfg.data.source} has no held-out split; pass --data", err=True)
    elif cfg.eval.retrieval_split is not None:
        pairs = load_text_rows(cfg.data.source, cfg.eval.retrieval_split, cfg.data.columns)
    if pairs is not None:
        if len(pairs.columns) < 2:
            raise typer.BadParameter("retrieval needs (query, document) columns; pass --data")
        scores.update(
            pair_retrieval(
                encoder, pairs.column(0), pairs.column(1), batch_size=size, progress=not quiet
            )
        )
    write_json(run / "eval.json", {"step": trained.step, **scores})
    typer.echo("  ".join(f"{k} {v:.4f}" for k, v in scores.items()) + f"  (step {trained.step})")
