"""``contrastkit search``: the nearest items of an index to a text or an image."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def search(
    index: Path = typer.Argument(..., help="Index directory (`contrastkit index`)."),
    query: str = typer.Option(None, "--query", help="A text to search for."),
    image: Path = typer.Option(None, "--image", "-i", help="An image file to search for."),
    k: int = typer.Option(10, "-k", "--top-k", min=1, max=1000, help="Results to show."),
    model: Path = typer.Option(
        None, "--model", "-m", help="The export that built the index (default: the one it records)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
) -> None:
    """Embed --query (or --image) with the index's encoder and print the k nearest items."""
    from contrastkit.engine.build import resolve_device
    from contrastkit.search.open import open_searcher

    if (query is None) == (image is None):
        raise typer.BadParameter("give one of --query TEXT or --image PATH")
    if image is not None and not image.is_file():
        raise typer.BadParameter(f"{image} is not a file", param_hint="--image")
    searcher = open_searcher(index, model=model, device=resolve_device(device))
    value: str | bytes = query if query is not None else image.read_bytes()
    hits = searcher.search([value], k)
    results = [
        {"rank": n + 1, "id": i, "score": round(s, 6)}
        for n, (i, s) in enumerate(zip(hits.ids[0], hits.scores[0], strict=True))
    ]
    if as_json:
        typer.echo(json.dumps({"query": query or str(image), "results": results}))
        return
    for r in results:
        typer.echo(f"{r['rank']:>4}  {r['score']:.4f}  {r['id']}")
