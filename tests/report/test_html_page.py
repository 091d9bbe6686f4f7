"""The HTML page is self-contained: every image an inline PNG data URI, no other reference."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest
import torch

from contrastkit.report import Section, data_uri, pair_similarities, png_bytes, render_page
from contrastkit.report import similarity_histograms as histograms
from contrastkit.report.html import table


class _References(HTMLParser):
    """Every src/href/srcset attribute, the img sources, and the tag names seen."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.images: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action"):
                self.refs.append(value or "")
                if tag == "img" and name == "src":
                    self.images.append(value or "")


def _pngs() -> list[bytes]:
    x = torch.randn(16, 4)
    return [png_bytes(histograms({"a": pair_similarities(x, x + 0.1)})) for _ in range(2)]


def test_every_png_is_embedded_as_a_data_uri_and_nothing_else_is_referenced():
    pngs = _pngs()
    page = render_page(
        "run <1> & co",
        [Section("first", pngs[0], "how to read <it>"), Section("second", pngs[1])],
        summary={"method": "simclr", "steps": 3},
        notes=["a note"],
        tables=[table([(1, 2)], ("a", "b"))],
    )
    parser = _References()
    parser.feed(page)
    assert len(parser.images) == 2 and parser.refs == parser.images
    decoded = [
        base64.b64decode(src.removeprefix("data:image/png;base64,")) for src in parser.images
    ]
    assert decoded == pngs
    assert not parser.tags & {"link", "script", "iframe", "object", "embed"}
    assert not re.search(r"url\(|https?://|file:", page)  # no CSS or text reference either
    assert "run &lt;1&gt; &amp; co" in page and "how to read &lt;it&gt;" in page


def test_data_uri_refuses_bytes_that_are_not_png():
    with pytest.raises(ValueError, match="not PNG"):
        data_uri(b"GIF89a")
