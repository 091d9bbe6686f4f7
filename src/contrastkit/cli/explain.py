"""``contrastkit explain``: why a candidate is near a query, and why nearer than another."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer


def _item(encoder: Any, value: str, option: str) -> Any:
    """A text as given, or the file a path names when the encoder reads files (images)."""
    from contrastkit.encoders import InputError

    path = Path(value).expanduser()
    raw: str | bytes = value
    if "file" in getattr(encoder, "request_inputs", ()):
        if not path.is_file():
            raise typer.BadParameter(f"{value} is not a file", param_hint=option)
        raw = path.read_bytes()
    try:
        return encoder.parse(raw)
    except InputError as e:
        raise typer.BadParameter(str(e), param_hint=option) from None


def explain(
    model: Path = typer.Option(..., "--model", "-m", help="An export (`contrastkit export`)."),
    query: str = typer.Option(..., "--query", "-q", help="A text, or an image file."),
    candidate: str = typer.Option(..., "--candidate", "-a", help="What it is compared with."),
    versus: str = typer.Option(
        None, "--versus", "-b", help="Explain why the candidate rather than this."
    ),
    out: Path = typer.Option(
        Path("."), "--out", "-o", help="Folder for explanation.html, .json and the PNGs."
    ),
    steps: int = typer.Option(32, "--steps", min=1, max=1024, help="Integration steps."),
    pairwise: bool = typer.Option(
        True, "--pairwise/--no-pairwise", help="Also map which part matches which."
    ),
    top: int = typer.Option(5, "--top", min=1, help="Parts to list per input."),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
) -> None:
    """Attribute the similarity of --query and --candidate (or their lead over --versus) to
    the parts of each input: tokens, image patches. Prints the top parts and writes a page."""
    from contrastkit.encoders import load_encoder
    from contrastkit.engine.build import resolve_device
    from contrastkit.explain import ExplainsParts
    from contrastkit.explain import explain as explain_similarity
    from contrastkit.explain.page import save
    from contrastkit.explain.terminal import render

    encoder = load_encoder(model, device=resolve_device(device))
    if not isinstance(encoder, ExplainsParts):
        raise typer.BadParameter(f"{model} holds an encoder that cannot be explained by parts")
    items = [_item(encoder, v, o) for v, o in ((query, "--query"), (candidate, "--candidate"))]
    other = _item(encoder, versus, "--versus") if versus is not None else None
    why = explain_similarity(encoder, *items, versus=other, steps=steps, pairwise=pairwise)
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    typer.echo(render(why, k=top, color=color))
    typer.echo(f"wrote {save(why, out)}")
