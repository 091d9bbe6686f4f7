"""A real uvicorn server on loopback, in a thread, over an index or an encoder."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from contrastkit.search.open import open_searcher
from contrastkit.serve.app import create_app


class LiveServer:
    """``app`` served by uvicorn in a thread on 127.0.0.1 and a free port."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=10
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.port = port

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def serve(
    encoder_dir: Path | None = None, index_dir: Path | None = None, **options: Any
) -> LiveServer:
    """A server over an index (with its encoder) or an encoder alone; ``options`` are
    ``create_app``'s (``limits=``, ``token=``)."""
    from contrastkit.encoders import load_encoder

    if index_dir is not None:
        searcher = open_searcher(index_dir, corpus=True)
        return LiveServer(create_app(searcher.encoder, searcher=searcher, **options))
    assert encoder_dir is not None
    return LiveServer(create_app(load_encoder(encoder_dir), **options))
