"""``contrastkit index``: embed a data source with an exported encoder into a vector index."""

from __future__ import annotations

from pathlib import Path

import typer

KINDS = ("exact", "flat", "hnsw", "ivfpq")  # exact: torch; the others FAISS's


def index(
    model: Path = typer.Option(
        ..., "--model", "-m", help="Export directory (`contrastkit export`)."
    ),
    data: str = typer.Option(
        ...,
        "--data",
        "-d",
        help="Source the encoder reads: fashion-mnist | folder:PATH | jsonl:PATH | …",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Index directory to write."),
    split: str = typer.Option("train", "--split", help="The source's split."),
    kind: str = typer.Option(
        "exact", "--kind", help="exact (torch) | flat | hnsw | ivfpq (FAISS)."
    ),
    metric: str = typer.Option("cosine", "--metric", help="cosine | dot"),
    dtype: str = typer.Option("float32", "--dtype", help="exact index storage: float32 | float16"),
    option: list[str] = typer.Option(
        [], "--option", help="FAISS parameter NAME=INT, e.g. hnsw_m=48, ef_search=256, nlist=4096."
    ),
    shard_size: int = typer.Option(4096, "--shard-size", min=1, help="Items per resumable shard."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Items per encoder batch."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Embed every item of --data with the encoder in --model and save the index to --out.
    An interrupted run continues from its last finished shard when run again."""
    from contrastkit.encoders import ReadsSources, fingerprint, load_encoder, read_card
    from contrastkit.engine.build import resolve_device
    from contrastkit.search import ExactIndex, FaissIndex
    from contrastkit.search.build import build_index

    if option and kind == "exact":
        raise typer.BadParameter("--option sets FAISS parameters; the exact index has none")
    if kind not in KINDS:
        raise typer.BadParameter(f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")
    encoder = load_encoder(model, device=resolve_device(device))
    if not isinstance(encoder, ReadsSources):
        raise typer.BadParameter(f"the encoder in {model} cannot read data sources to index")
    items = encoder.read(data, split)
    vectors = (
        ExactIndex(encoder.dim, metric=metric, dtype=dtype)  # type: ignore[arg-type]
        if kind == "exact"
        else FaissIndex(encoder.dim, metric=metric, structure=kind, **_options(option))  # type: ignore[arg-type]
    )
    built = read_card(model)
    card = {
        "encoder": {
            "path": str(model.expanduser().resolve()),
            "fingerprint": fingerprint(model.expanduser()),
            "format": built.get("format"),
            "task": built.get("task"),
            "inputs": encoder.inputs,
        },
        "source": data,
        "split": split,
    }
    build_index(
        vectors,
        encoder,
        items.ids,
        lambda start, stop: items.part(start, stop).items,
        out,
        card=card,
        shard_size=shard_size,
        batch_size=batch_size,
        progress=not quiet,
    )
    typer.echo(
        f"indexed {len(vectors)} items of {data} ({kind}, {metric}, {encoder.dim}-d) in {out}"
    )


def _options(pairs: list[str]) -> dict[str, int]:
    options = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not value.strip().isdigit():
            raise typer.BadParameter(f"expected NAME=INT, got {pair!r}", param_hint="--option")
        options[name.strip()] = int(value)
    return options
