"""``contrastkit export``: a trained run's encoder as a directory ``load_encoder`` opens (images:
the backbone as safetensors and a card; text: a directory ``SentenceTransformer(path)`` loads)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def export(
    run: Path = typer.Option(..., "--run", "-r", help="Run directory written by `train`."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the export to."),
    format: str = typer.Option(
        "auto",
        "--format",
        "-f",
        help="auto: the run's task's format (images: backbone; text: sentence-transformers).",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing export."),
) -> None:
    """Write the run's encoder to OUT with a card.json (format, provenance, evaluation);
    `contrastkit.load_encoder(OUT)` opens it, and a text export loads in sentence-transformers."""
    from contrastkit.api import open_run

    trained = open_run(run)
    task = trained.task
    if format not in ("auto", task.export_format):
        raise typer.BadParameter(
            f"{run} is a {task.name} run; it exports as {task.export_format}, not {format}"
        )
    card = {
        "method": trained.config.method,
        "trained_steps": trained.step,
        "data": trained.record.get("data"),
        "config": json.loads(trained.config.model_dump_json()),
    }
    eval_file = run / "eval.json"
    if eval_file.exists():
        card["evaluation"] = json.loads(eval_file.read_text())
    trained.encoder().save(out, card=card, overwrite=overwrite)
    typer.echo(
        f"exported the {task.name} encoder of {run} ({trained.config.method}, step "
        f"{trained.step}) as {task.export_format} to {out}; open it with "
        f"contrastkit.load_encoder({str(out)!r})"
    )
