"""The HTML report renders in headless Chromium: a non-blank screenshot, every image decoded.

Needs the Debian package ``chromium`` (``make data`` installs it where apt-get can run).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from browser import CHROMIUM, FLAGS
from contrastkit.report import (
    Section,
    alignment_uniformity_plane,
    learning_curves,
    neighbour_grid,
    png_bytes,
    render_page,
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
)

# after the load event, the body records how many <img> decoded (naturalWidth > 0)
_IMAGE_CHECK = (
    "<script>window.addEventListener('load', () => { const all = [...document.images];"
    " const ok = all.filter(i => i.complete && i.naturalWidth > 0);"
    " document.body.setAttribute('data-images-loaded', ok.length + '/' + all.length); });"
    "</script></body>"
)


def _report(folder: Path) -> Path:
    rows = [
        {"step": s, "loss": 5 / s, "alignment": 1 / s, "uniformity": -s / 4} for s in range(1, 15)
    ]
    images = torch.randint(0, 256, (2, 1, 28, 28), dtype=torch.uint8)
    grid = neighbour_grid(
        images, images.unsqueeze(1).repeat(1, 3, 1, 1, 1), torch.ones(2, 3),
        query_labels=torch.tensor([0, 1]), neighbour_labels=torch.tensor([[0, 1, 0], [1, 1, 0]]),
    )  # fmt: skip
    sections = [
        Section("Learning curves", png_bytes(learning_curves(rows))),
        Section("Plane", png_bytes(alignment_uniformity_plane(rows))),
        Section("Neighbours", png_bytes(grid)),
    ]
    path = folder / "report.html"
    path.write_text(render_page("browser check", sections), encoding="utf-8")
    return path


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_report_renders_with_every_image_loaded(tmp_path):
    page = _report(tmp_path)
    shot = tmp_path / "shot.png"
    result = _chromium(
        [f"--screenshot={shot}", "--window-size=1000,1800", page.resolve().as_uri()],
        tmp_path / "profile",
    )
    assert shot.exists(), f"no screenshot; chromium said: {result.stderr[-2000:]}"
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]  # (H, W, 3) floats in [0, 1]
    assert pixels.shape[:2] == (1800, 1000)
    assert pixels.std() > 0.05, "the screenshot is blank"
    # saturated colour only comes from the figures (text is black on white)
    saturation = pixels.max(axis=2) - pixels.min(axis=2)
    assert np.mean(saturation > 0.3) > 0.002, "the screenshot shows no figure"

    checked = tmp_path / "checked.html"
    checked.write_text(page.read_text().replace("</body>", _IMAGE_CHECK), encoding="utf-8")
    dom = _chromium(
        ["--dump-dom", "--virtual-time-budget=5000", checked.resolve().as_uri()],
        tmp_path / "profile",
    )
    assert 'data-images-loaded="3/3"' in dom.stdout, dom.stderr[-2000:]
