"""Make the README's pictures of the search page: a text search (the built-in all-MiniLM-L6-v2
over the STS-B test sentences) and an image search (a SimCLR encoder over the Fashion-MNIST
test images), each through the real service, in headless Chromium.

    .venv/bin/python docs/make_search_screenshots.py [--run runs/demo]

Without --run it trains a short SimCLR run first (600 steps, about a minute with bf16).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "serve")]  # the tests' browser, server

from browser import Browser  # noqa: E402
from live import serve  # noqa: E402

from contrastkit.cli import main  # noqa: E402
from contrastkit.serve.limits import Limits  # noqa: E402


def text_picture(work: Path, out: Path) -> None:
    from contrastkit.data.stsb import load_stsb
    from contrastkit.text import TextEncoder

    TextEncoder.from_pretrained().save(work / "minilm")
    pairs = load_stsb("test")
    sentences = list(dict.fromkeys([*pairs.sentences1, *pairs.sentences2]))
    (work / "sts.jsonl").write_text("".join(json.dumps({"text": s}) + "\n" for s in sentences))
    index = ["index", "--model", str(work / "minilm"), "--data", f"jsonl:{work / 'sts.jsonl'}"]
    assert main([*index, "--out", str(work / "text-index"), "-q"]) == 0
    server = serve(index_dir=work / "text-index", limits=Limits(), model_name="all-MiniLM-L6-v2")
    browser = Browser(work / "profile-text")
    try:
        browser.open(server.url + "/")
        browser.type_into("#query", "a man is playing the guitar")
        browser.evaluate("document.getElementById('go').click()")
        browser.wait_for("document.querySelectorAll('#results li').length === 10")
        browser.screenshot(out)
    finally:
        browser.close()
        server.stop()


def image_picture(work: Path, run: Path | None, out: Path) -> None:
    from PIL import Image

    from contrastkit.data import load_fashion_mnist

    if run is None:
        run = work / "simclr"
        train = ["train", "--config", str(REPO / "configs" / "simclr.yaml"), "--steps", "600"]
        assert (
            main([*train, "--set", "amp=bf16", "--set", "monitor.every=0", "--out", str(run), "-q"])
            == 0
        )
    assert main(["export", "--run", str(run), "--out", str(work / "fm-export")]) == 0
    index = [
        "index",
        "--model",
        str(work / "fm-export"),
        "--data",
        "fashion-mnist",
        "--split",
        "test",
    ]
    assert main([*index, "--out", str(work / "fm-index"), "-q"]) == 0
    query = work / "query.png"
    Image.fromarray(load_fashion_mnist("train").images[8, 0].numpy()).resize((112, 112)).save(query)
    server = serve(index_dir=work / "fm-index", limits=Limits(), model_name="SimCLR, Fashion-MNIST")
    browser = Browser(work / "profile-images")
    try:
        browser.open(server.url + "/")
        browser.upload("#image", query)
        browser.wait_for("document.querySelectorAll('#results li img.thumb').length === 10")
        browser.wait_for("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        browser.screenshot(out)
    finally:
        browser.close()
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=None, help="a trained image run to export")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        text_picture(Path(tmp), REPO / "docs" / "search-text.png")
        image_picture(Path(tmp), args.run, REPO / "docs" / "search-images.png")
    print("wrote docs/search-text.png and docs/search-images.png")
