"""``contrastkit recommend``: the top items for a user from a trained recommender."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def recommend(
    model: Path = typer.Option(
        ..., "--model", "-m", help="A recommender export (`contrastkit export` of a two_tower run)."
    ),
    user: str = typer.Option(..., "--user", "-u", help="The user id, as in the data."),
    k: int = typer.Option(10, "-k", "--top-k", min=1, max=1000, help="Items to show."),
    as_json: bool = typer.Option(False, "--json", help="Print the items as JSON."),
) -> None:
    """The k items the user has not interacted with that score highest."""
    from contrastkit.encoders import load_encoder
    from contrastkit.tasks.interactions.recommender import Recommender

    recommender = load_encoder(model)
    if not isinstance(recommender, Recommender):
        raise typer.BadParameter(f"{model} is not a recommender export", param_hint="--model")
    try:
        items = recommender.recommend(user, k)
    except KeyError as e:
        raise typer.BadParameter(str(e.args[0]), param_hint="--user") from None
    results = [
        {"rank": n + 1, "item": i, "title": recommender.title(i), "score": round(s, 6)}
        for n, (i, s) in enumerate(items)
    ]
    if as_json:
        typer.echo(json.dumps({"user": user, "results": results}))
        return
    for r in results:
        typer.echo(f"{r['rank']:>4}  {r['score']:.4f}  {r['item']}  {r['title']}")
