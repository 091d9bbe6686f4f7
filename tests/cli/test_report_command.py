"""``contrastkit report`` on a tiny real run: PNGs and one self-contained HTML page."""

from __future__ import annotations

import base64
import json
import re

import pytest

from contrastkit.cli import main

pytest.importorskip("matplotlib", reason="the report needs the [viz] extra (matplotlib)")

FIGURES = ("curves", "plane", "similarities", "projection", "neighbours")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny, fashion_mnist_available):
    out = tmp_path_factory.mktemp("run")
    assert main(["train", "--data", "fashion-mnist", "--steps", "3", "--out", str(out), *tiny]) == 0
    return out


def test_report_writes_every_figure_and_embeds_each_in_the_page(run_dir, capsys):
    args = ["report", "--run", str(run_dir), "--max-test", "200", "--queries", "4", "--k", "5"]
    assert main([*args, "--device", "cpu", "-q"]) == 0
    folder = run_dir / "report"
    assert "report.html" in capsys.readouterr().out
    pngs = {name: (folder / f"{name}.png").read_bytes() for name in FIGURES}
    assert all(png.startswith(b"\x89PNG") and len(png) > 5000 for png in pngs.values())
    page = (folder / "report.html").read_text()
    sources = re.findall(r'<img src="([^"]*)"', page)
    embedded = [base64.b64decode(s.removeprefix("data:image/png;base64,")) for s in sources]
    assert sorted(embedded) == sorted(pngs.values())  # every PNG, as written, and nothing else
    assert not re.search(r'(href|src)="(?!data:image/png;base64,)', page)

    summary = json.loads((folder / "report.json").read_text())
    assert summary["steps"] == 3 and summary["test_sample"] == 200
    assert summary["train_bank"] == 512  # the run's eval.max_train
    assert summary["projection"] in ("pca", "umap")
    assert 0.1 < summary["knn_accuracy_sample"] <= 1  # above chance already (raw-ish features)
    assert 0 <= summary["test_alignment_z"] <= 4 and -4 <= summary["test_uniformity_z"] <= 0


def test_report_into_another_folder_with_pca(run_dir, tmp_path):
    out = tmp_path / "elsewhere"
    args = ["report", "--run", str(run_dir), "--out", str(out), "--max-test", "50"]
    assert main([*args, "--max-train", "100", "--projection", "pca", "--device", "cpu", "-q"]) == 0
    assert json.loads((out / "report.json").read_text())["train_bank"] == 100
    assert {p.name for p in out.glob("*.png")} == {f"{name}.png" for name in FIGURES}


def test_report_of_a_missing_run_is_one_line_error(tmp_path, capsys):
    assert main(["report", "--run", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_report_rejects_an_unknown_projection(run_dir, capsys):
    assert main(["report", "--run", str(run_dir), "--projection", "tsne"]) != 0
    assert "tsne" in capsys.readouterr().err
