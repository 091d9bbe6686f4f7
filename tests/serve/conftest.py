"""Servers over the text and the image index (tests/conftest.py builds the exports and
indexes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live import LiveServer, serve

from contrastkit.serve.limits import Limits


@pytest.fixture(scope="module")
def text_server(text_corpus) -> Iterator[LiveServer]:
    server = serve(
        index_dir=text_corpus["index"],
        limits=Limits(max_inputs=4, max_text_chars=200, max_top_k=20, threads=1),
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def image_server(image_corpus) -> Iterator[LiveServer]:
    server = serve(index_dir=image_corpus["index"], limits=Limits(max_pixels=1_000_000, threads=1))
    yield server
    server.stop()
