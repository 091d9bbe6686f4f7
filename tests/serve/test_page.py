"""The search page in headless Chromium against the real service: type a query and results
appear; upload an image and its neighbours appear; "more like this" searches again. Each test
saves a screenshot (and the image one is checked to be a picture, not a blank page)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from live import serve

from browser import CHROMIUM, Browser
from contrastkit.serve.limits import Limits

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "profile")
    yield b
    b.close()


def count(browser) -> int:
    return browser.evaluate("document.querySelectorAll('#results li').length")


def test_typing_a_query_shows_results_and_more_like_this_searches_again(
    browser, text_corpus, tmp_path
):
    server = serve(index_dir=text_corpus["index"], limits=Limits(threads=1))
    try:
        browser.open(server.url + "/")
        assert "21 items" in browser.evaluate("document.getElementById('about').textContent")
        browser.type_into("#query", "a man playing a guitar")
        browser.evaluate("document.getElementById('go').click()")
        browser.wait_for("document.querySelectorAll('#results li').length === 10")
        first = browser.evaluate("document.querySelector('#results li .text').textContent")
        assert first == "a man playing a guitar"
        browser.evaluate("document.querySelector('#results li .more-like-this').click()")
        browser.wait_for("document.getElementById('status').textContent.startsWith('10 results')")
        again = browser.evaluate("document.querySelector('#results li .text').textContent")
        assert again != first and count(browser) == 10
        png = browser.screenshot(tmp_path / "text-search.png")
        assert png.startswith(b"\x89PNG") and len(png) > 10_000
    finally:
        server.stop()


def test_uploading_an_image_shows_its_neighbours(browser, image_corpus, tmp_path):
    from PIL import Image

    server = serve(index_dir=image_corpus["index"], limits=Limits(threads=1))
    try:
        browser.open(server.url + "/")
        assert browser.evaluate("document.getElementById('query').hidden") is True
        query = tmp_path / "query.png"
        Image.fromarray(image_corpus["images"][3, 0].numpy()).resize((112, 112)).save(query)
        browser.upload("#image", query)
        browser.wait_for("document.querySelectorAll('#results li img.thumb').length === 10")
        assert browser.wait_for(
            "[...document.querySelectorAll('#results img.thumb')].every(i => i.complete && i.naturalWidth > 0)"
        )
        png = browser.screenshot(tmp_path / "image-search.png")
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float32)
        assert pixels.std() > 10  # thumbnails on a page, not a blank screen
    finally:
        server.stop()


def test_why_shows_the_explanation_under_a_result(browser, text_corpus, tmp_path):
    server = serve(index_dir=text_corpus["index"], limits=Limits(threads=1))
    try:
        browser.open(server.url + "/")
        browser.type_into("#query", "a man playing a guitar")
        browser.evaluate("document.getElementById('go').click()")
        browser.wait_for("document.querySelectorAll('#results li').length === 10")
        browser.evaluate("document.querySelectorAll('#results li .why')[1].click()")
        browser.wait_for("document.querySelector('#results li .explanation .tokens') !== null")
        shown = browser.evaluate("document.querySelector('.explanation').textContent")
        assert "s(q, a) = " in shown and "which query part matches" in shown
        browser.evaluate("document.querySelectorAll('#results li .why-rather')[1].click()")
        browser.wait_for(
            "document.querySelectorAll('#results li')[1].querySelector('.explanation')"
            ".textContent.includes('s(q, b) = ')"
        )
        assert browser.evaluate("document.querySelectorAll('.explanation').length") == 1
        png = browser.screenshot(tmp_path / "why.png")
        assert png.startswith(b"\x89PNG") and len(png) > 10_000
    finally:
        server.stop()
