"""``contrastkit mine``: hard negatives for (query, positive) pairs, mined through an index."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def mine(
    index: Path = typer.Option(
        ..., "--index", help="Index of the corpus to mine (`contrastkit index`)."
    ),
    data: str = typer.Option(
        ..., "--data", "-d", help="Pairs: jsonl:PATH | csv:PATH | tsv:PATH | news."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="JSONL file to write: the pairs plus negatives."
    ),
    split: str = typer.Option("train", "--split", help="The pairs source's split."),
    negatives: int = typer.Option(1, "--negatives", "-n", min=1, help="Negatives per pair."),
    margin: float = typer.Option(
        0.05,
        "--margin",
        min=0.0,
        max=0.99,
        help="Skip candidates above (1 − margin) × the positive's score.",
    ),
    candidates: int = typer.Option(30, "--candidates", min=1, help="Top hits looked at per query."),
    model: Path = typer.Option(None, "--model", "-m", help="The export that built the index."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """For each (query, positive) row of --data, the corpus items the index ranks highest that
    are not the positive (nor within --margin of its score) become hard negatives; train on
    the result with `contrastkit train --method pairs --data jsonl:OUT`."""
    from contrastkit.data.text_sources import load_text_rows
    from contrastkit.engine.build import resolve_device
    from contrastkit.search.mine import mine_hard_negatives
    from contrastkit.search.open import open_searcher

    rows = load_text_rows(data, split)
    if len(rows.columns) < 2:
        raise typer.BadParameter(f"{data} needs (query, positive) columns; it has {rows.columns}")
    searcher = open_searcher(index, model=model, device=resolve_device(device), corpus=True)
    corpus = searcher.corpus.items if searcher.corpus is not None else None
    if not isinstance(corpus, list) or not all(isinstance(x, str) for x in corpus):
        raise typer.BadParameter(f"{index} does not index texts this command can write as rows")
    if candidates < negatives:
        raise typer.BadParameter("--candidates must be at least --negatives")
    queries, positives = rows.column(0), rows.column(1)
    mined = mine_hard_negatives(
        searcher, queries, positives, negatives=negatives, margin=margin, candidates=candidates,
        progress=not quiet,
    )  # fmt: skip
    first, second = rows.columns[0], rows.columns[1]
    kept = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w") as f:
        for q, p, found in zip(queries, positives, mined.negatives, strict=True):
            if len(found) < negatives:
                continue
            row = {first: q, second: p, **{f"negative_{n + 1}": x for n, x in enumerate(found)}}
            f.write(json.dumps(row) + "\n")
            kept += 1
    tmp.replace(out)
    typer.echo(
        f"wrote {kept} rows with {negatives} hard negative(s) to {out}; {len(queries) - kept} "
        f"pairs found too few; {mined.skipped_as_false_negatives} candidates skipped within "
        f"the margin of their positive"
    )
