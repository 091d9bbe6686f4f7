"""``contrastkit serve``: the embedding and search service, and its page, on uvicorn."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import typer


def serve(
    index: Path = typer.Option(
        None, "--index", help="Index directory to search (`contrastkit index`)."
    ),
    model: Path = typer.Option(
        None, "--model", "-m", help="Export to embed with (default: the one the index records)."
    ),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind (default: this machine only)."
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    token: str = typer.Option(
        None, "--token", envvar="CONTRASTKIT_API_TOKEN", help="Require Authorization: Bearer TOKEN."
    ),
    max_body_bytes: int = typer.Option(2 * 2**20, "--max-body-bytes", min=1),
    max_inputs: int = typer.Option(32, "--max-inputs", min=1, help="Inputs per request."),
    max_text_chars: int = typer.Option(16_384, "--max-text-chars", min=1),
    max_top_k: int = typer.Option(100, "--max-top-k", min=1),
    max_pixels: int = typer.Option(40_000_000, "--max-pixels", min=1, help="Of an uploaded image."),
    max_queued: int = typer.Option(1024, "--max-queued", min=1, help="Waiting inputs before 429."),
    max_batch: int = typer.Option(64, "--max-batch", min=1, help="Inputs encoded together."),
    workers: int = typer.Option(1, "--workers", min=1, help="Encoder threads."),
    threads: int = typer.Option(
        None, "--threads", min=1, help="torch threads (default: the cores)."
    ),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N"),
) -> None:
    """Serve GET /health, /info, /metrics, the search page at /, and POST /v1/embeddings,
    /embed and /search. Ctrl-C (SIGINT) or SIGTERM finishes in-flight requests, then stops."""
    import uvicorn

    from contrastkit.encoders import load_encoder
    from contrastkit.engine.build import resolve_device
    from contrastkit.search.open import open_searcher
    from contrastkit.serve.app import create_app
    from contrastkit.serve.limits import Limits

    if index is None and model is None:
        raise typer.BadParameter(
            "give --index DIR (search and embed) or --model EXPORT (embed only)"
        )
    limits = Limits(
        max_body_bytes=max_body_bytes,
        max_inputs=max_inputs,
        max_text_chars=max_text_chars,
        max_top_k=max_top_k,
        max_pixels=max_pixels,
        max_queued=max_queued,
        max_batch_items=max_batch,
        workers=workers,
        **({"threads": threads} if threads else {}),
    )
    dev = resolve_device(device)
    if index is not None:
        searcher = open_searcher(index, model=model, device=dev, corpus=True)
        encoder, name = searcher.encoder, Path(searcher.card.encoder.get("path", "model")).name
    else:
        searcher, encoder, name = None, load_encoder(model, device=dev), model.name
    if token is None and not _loopback(host):
        typer.echo(
            f"warning: serving on {host} without --token: anyone who reaches it can use it",
            err=True,
        )
    app = create_app(encoder, searcher=searcher, limits=limits, token=token, model_name=name)
    typer.echo(f"serving {name} on http://{host}:{port}/ (docs: /docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=30)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
