"""``contrastkit export``: a trained image backbone as safetensors plus a JSON model card, or a
trained text encoder as a sentence-transformers directory."""

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
        help="auto (text runs: sentence-transformers; image runs: backbone) | backbone | "
        "sentence-transformers",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing export."),
) -> None:
    """Write OUT/backbone.safetensors and OUT/card.json (image runs), or a directory that
    `SentenceTransformer(OUT)` loads (text runs)."""
    from contrastkit.engine.text_run import is_text_run

    text = is_text_run(run)
    if format == "auto":
        format = "sentence-transformers" if text else "backbone"
    if format not in ("backbone", "sentence-transformers"):
        raise typer.BadParameter(
            f"unknown format {format!r}; use backbone or sentence-transformers"
        )
    if text != (format == "sentence-transformers"):
        kind = "a text" if text else "an image"
        raise typer.BadParameter(f"{run} is {kind} run; it cannot be exported as {format}")
    if text:
        _export_text(run, out, overwrite)
    else:
        _export_backbone(run, out)


def _export_text(run: Path, out: Path, overwrite: bool) -> None:
    from contrastkit.engine.text_run import load_trained_text
    from contrastkit.text import export_sentence_transformers

    trained = load_trained_text(run)
    export_sentence_transformers(trained.encoder, out, overwrite=overwrite)
    typer.echo(
        f"exported the {trained.config.method} encoder (step {trained.step}) to {out}; load it "
        f"with SentenceTransformer({str(out)!r}) or TextEncoder.from_pretrained"
    )


def _export_backbone(run: Path, out: Path) -> None:
    from safetensors.torch import save_file

    from contrastkit.engine.build import backbone_of
    from contrastkit.engine.run import load_trained
    from contrastkit.nn import backbone_dim

    trained = load_trained(run)
    backbone = backbone_of(trained.method)
    out.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous() for k, v in backbone.state_dict().items()}
    save_file(tensors, str(out / "backbone.safetensors"))
    cfg = trained.config
    card = {
        "format": "contrastkit-backbone/1",
        "backbone": cfg.model.backbone,
        "backbone_options": cfg.model.backbone_options,
        "feature_dim": backbone_dim(backbone),
        "input": trained.input,
        "method": cfg.method,
        "trained_steps": trained.step,
        "data": cfg.data.source,
        "config": json.loads(cfg.model_dump_json()),
    }
    eval_file = run / "eval.json"
    if eval_file.exists():
        card["evaluation"] = json.loads(eval_file.read_text())
    (out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    typer.echo(f"exported {cfg.model.backbone} ({len(tensors)} tensors) to {out}")
