"""``contrastkit explain`` on a text export and an image export: the top parts printed, the
page, the numbers and the pictures written; bad input in one line."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from contrastkit.cli import main


def test_explains_two_texts_and_a_third_and_writes_the_page(text_corpus, tmp_path, capsys):
    out = tmp_path / "why"
    arguments = ["explain", "--model", str(text_corpus["export"]), "--out", str(out)]
    arguments += ["--query", "the cat sat", "--candidate", "a cat on a mat", "--versus", "rain"]
    assert main([*arguments, "--steps", "16", "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert "s(q, a) = " in printed and "s(q, b) = " in printed
    assert "top parts:" in printed and "matching parts (query ↔ candidate):" in printed
    assert "\033[" not in printed  # not a terminal: no colour codes
    numbers = json.loads((out / "explanation.json").read_text())
    assert set(numbers) >= {"query", "candidate", "versus", "pairwise", "similarity"}
    query = numbers["query"]
    gained = query["value"] - query["at_baseline"]
    assert abs(sum(query["integrated_gradients"]) - gained) <= 1e-3
    assert (out / "pairwise.png").read_bytes().startswith(b"\x89PNG")
    page = (out / "explanation.html").read_text()
    assert "<span" in page and "data:image/png;base64," in page and "http" not in page


def test_explains_two_images_with_heat_maps(image_corpus, tmp_path, capsys):
    files = []
    for i in (0, 1):
        path = tmp_path / f"{i}.png"
        Image.fromarray(image_corpus["images"][i][0].numpy().astype(np.uint8)).save(path)
        files.append(str(path))
    out = tmp_path / "why"
    arguments = ["explain", "-m", str(image_corpus["export"]), "-q", files[0], "-a", files[1]]
    assert main([*arguments, "--out", str(out), "--no-pairwise", "--device", "cpu"]) == 0
    assert "row " in capsys.readouterr().out  # patches named by place
    assert {p.name for p in out.iterdir()} == {
        "explanation.html",
        "explanation.json",
        "query.png",
        "candidate.png",
    }


def test_a_missing_image_file_is_one_line(image_corpus, tmp_path, capsys):
    arguments = ["explain", "-m", str(image_corpus["export"]), "-q", str(tmp_path / "no.png")]
    assert main([*arguments, "-a", str(tmp_path / "no.png"), "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert "is not a file" in error and len(error.splitlines()) == 1
