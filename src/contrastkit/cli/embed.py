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
    split: str = typer.Option("train", "--split", help="train | test (for fashion-mnist)."),
    out: Path = typer.Option(Path("embeddings.npy"), "--out", "-o", help="Output .npy file."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Embed images (or, for a text run, the texts of the source's first column) with a trained
    encoder: OUT (N, dim float32) and OUT.ids.json (N ids)."""
    import numpy as np

    from contrastkit.engine.text_run import is_text_run

    if is_text_run(run):
        _embed_texts(run, data, split, out, device, quiet)
        return

    from contrastkit.data import load_images
    from contrastkit.engine.build import encoder_of, resolve_device
    from contrastkit.engine.embed import embed_images, eval_transform
    from contrastkit.engine.run import load_trained

    dev = resolve_device(device)
    trained = load_trained(run, dev)
    source = data or trained.config.data.source
    images = load_images(
        source,
        split,
        image_size=trained.input["image_size"],
        on_error=trained.config.data.on_error,  # a skipped file has no row and no id
    )
    feats, labels = embed_images(
        encoder_of(trained.method),
        images,
        eval_transform(trained.input, dev),
        device=dev,
        progress=not quiet,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, feats.numpy())
    paths = getattr(images, "paths", None)
    ids = (
        [str(p) for p in paths]
        if paths is not None
        else [f"{source}:{split}:{i}" for i in range(len(feats))]
    )
    ids_path = out.with_name(out.name.removesuffix(".npy") + ".ids.json")
    ids_path.write_text(json.dumps({"ids": ids, "labels": labels.tolist()}) + "\n")
    typer.echo(f"wrote {tuple(feats.shape)} embeddings to {out} and their ids to {ids_path}")


def _embed_texts(
    run: Path, data: str | None, split: str, out: Path, device: str, quiet: bool
) -> None:
    import numpy as np

    from contrastkit.data.text_sources import load_text_rows
    from contrastkit.engine.build import resolve_device
    from contrastkit.engine.text_run import load_trained_text

    trained = load_trained_text(run, resolve_device(device))
    source = data or trained.config.data.source
    rows = load_text_rows(source, split)
    texts = rows.column(0)
    feats = trained.encoder.encode(
        texts, batch_size=trained.config.eval.batch_size, progress=not quiet
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, feats.numpy())
    ids_path = out.with_name(out.name.removesuffix(".npy") + ".ids.json")
    ids = [f"{source}:{split}:{i}" for i in range(len(texts))]
    ids_path.write_text(json.dumps({"ids": ids, "texts": texts}) + "\n")
    typer.echo(
        f"wrote {tuple(feats.shape)} embeddings of {rows.columns[0]!r} texts to {out} and their "
        f"ids to {ids_path}"
    )
