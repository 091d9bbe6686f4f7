"""``contrastkit export``: the trained backbone as safetensors plus a JSON model card."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def export(
    run: Path = typer.Option(..., "--run", "-r", help="Run directory written by `train`."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the export to."),
) -> None:
    """Write OUT/backbone.safetensors and OUT/card.json (architecture, input, training)."""
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
