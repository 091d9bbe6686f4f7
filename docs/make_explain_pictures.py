"""Make the README's pictures of explanations: a text one (the built-in all-MiniLM-L6-v2,
why a candidate rather than another) and an image one (the `make demo` SimCLR encoder, why a
Fashion-MNIST test image's nearest neighbour rather than its second), each the page
`contrastkit explain` writes, in headless Chromium.

    .venv/bin/python docs/make_explain_pictures.py [--run runs/demo]
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests")]  # the tests' browser

from browser import Browser  # noqa: E402

from contrastkit.cli import main  # noqa: E402

TEXT = {
    "--query": "cheap flights to paris next week",
    "--candidate": "low-cost airlines add routes to france",
    "--versus": "paris hotels raise prices for the summer",
}


def page_picture(page: Path, out: Path, profile: Path) -> None:
    """The whole page (not just the window) as a PNG."""
    browser = Browser(profile)
    try:
        browser.call("Page.navigate", url=page.as_uri())
        browser.wait_for("document.readyState === 'complete' && document.images.length > 0")
        browser.wait_for("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        height = browser.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": 1100, "height": height, "scale": 1}
        shot = browser.call(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
        )
        out.write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.close()


def text_picture(work: Path, out: Path) -> None:
    from contrastkit.text import TextEncoder

    TextEncoder.from_pretrained().save(work / "minilm")
    arguments = [item for pair in TEXT.items() for item in pair]
    assert main(["explain", "-m", str(work / "minilm"), *arguments, "-o", str(work / "t")]) == 0
    page_picture(work / "t" / "explanation.html", out, work / "profile-text")


def image_picture(work: Path, run: Path, out: Path) -> None:
    import torch.nn.functional as F
    from PIL import Image

    from contrastkit.data import load_fashion_mnist
    from contrastkit.encoders import load_encoder

    assert main(["export", "--run", str(run), "--out", str(work / "fm")]) == 0
    pool = load_fashion_mnist("test").images[:2000]
    z = F.normalize(load_encoder(work / "fm").encode(pool), dim=1)
    query = 9  # a sneaker
    order = (z @ z[query]).argsort(descending=True).tolist()
    files = []
    for name, i in (("query", query), ("first", order[1]), ("second", order[2])):
        files.append(work / f"{name}.png")
        Image.fromarray(pool[i, 0].numpy()).save(files[-1])
    arguments = ["-q", str(files[0]), "-a", str(files[1]), "-b", str(files[2])]
    assert main(["explain", "-m", str(work / "fm"), *arguments, "-o", str(work / "i")]) == 0
    page_picture(work / "i" / "explanation.html", out, work / "profile-images")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=REPO / "runs" / "demo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        text_picture(Path(tmp), REPO / "docs" / "explain-text.png")
        image_picture(Path(tmp), args.run, REPO / "docs" / "explain-image.png")
    print("wrote docs/explain-text.png and docs/explain-image.png")
