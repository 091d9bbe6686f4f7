"""``contrastkit embed``: write the embeddings of a data source as .npy plus their ids."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def embed(
    run: Path = typer.Option(..., "--run", "-r", help="Run directory written by `train`."),
    data: str = typer.Option(
        None, "--data", "-d", help="Data to embed (default: the run's training data)."
    ),
    split: str = typer.Option("train", "--split", help="train | test | … (the source's splits)."),
    out: Path = typer.Option(Path("embeddings.npy"), "--out", "-o", help="Output .npy file."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Embed the items of a source with a trained encoder (images; for text runs the texts of
    the source's first column): OUT (N, dim float32) and OUT.ids.json (N ids, and labels or
    texts)."""
    import numpy as np

    from contrastkit.api import open_run
    from contrastkit.engine.build import resolve_device

    dev = resolve_device(device)
    trained = open_run(run, device=dev)
    items = trained.task.read_items(trained.config, data, split)
    features = trained.encoder(dev).encode(items.items, progress=not quiet)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, features.numpy())
    ids_path = out.with_name(out.name.removesuffix(".npy") + ".ids.json")
    ids_path.write_text(json.dumps({"ids": items.ids, **items.columns}) + "\n")
    typer.echo(f"wrote {tuple(features.shape)} embeddings to {out} and their ids to {ids_path}")
