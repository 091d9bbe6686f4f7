"""``contrastkit sweep`` end to end: two temperatures, two steps each, then resumed."""

from __future__ import annotations

import json

import pytest

from contrastkit.cli import main

pytest.importorskip("matplotlib", reason="the sweep picture needs the [viz] extra (matplotlib)")


def _sweep(out, tiny, values="0.1,0.5", *extra):
    return main(
        [
            "sweep", "--param", "temperature", "--values", values, "--steps", "2",
            "--max-test", "200", "--data", "fashion-mnist", "--out", str(out), *tiny, *extra,
        ]
    )  # fmt: skip


def test_sweep_trains_each_value_once_and_resumes(
    tmp_path, tiny, fashion_mnist_available, capsys, monkeypatch
):
    out = tmp_path / "sweep"
    assert _sweep(out, tiny) == 0
    summary = json.loads((out / "sweep.json").read_text())
    assert summary["param"] == "temperature"
    assert [p["value"] for p in summary["points"]] == ["0.1", "0.5"]
    for point in summary["points"]:
        run = out / point["run"]
        assert point["run"] == f"temperature={point['value']}" and point["steps"] == 2
        assert json.loads((run / "config.json").read_text())["temperature"] == float(point["value"])
        assert 0.1 < point["knn_accuracy"] <= 1 and -4 <= point["uniformity"] <= 0
    assert summary["best"]["knn_accuracy"] == max(p["knn_accuracy"] for p in summary["points"])
    assert (out / "sweep.png").read_bytes().startswith(b"\x89PNG")
    page = (out / "sweep.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == 1 and "temperature=0.5" in page
    capsys.readouterr()

    # the same sweep again: nothing is trained, the files are rewritten from the points
    import contrastkit.engine.run as engine_run

    def no_training(*args, **kwargs):
        raise AssertionError("a finished value was trained again")

    monkeypatch.setattr(engine_run, "train_run", no_training)
    (out / "sweep.json").unlink()
    assert _sweep(out, tiny) == 0
    assert capsys.readouterr().out.count("not retrained") == 2
    again = json.loads((out / "sweep.json").read_text())
    assert again["points"] == summary["points"]


def test_sweep_rejects_an_unknown_setting_before_training(tmp_path, capsys):
    code = main(["sweep", "--param", "tempreature", "--values", "0.1", "--out", str(tmp_path)])
    assert code == 1
    assert "unknown setting 'tempreature'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_sweep_rejects_repeated_values(tmp_path, capsys):
    assert main(["sweep", "--param", "seed", "--values", "1,1", "--out", str(tmp_path)]) == 1
    assert "repeat" in capsys.readouterr().err
