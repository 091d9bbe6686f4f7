"""Learning curves: one panel per scalar metric, known metrics first."""

from __future__ import annotations

import math

import pytest

from contrastkit.report import learning_curves, metric_series, png_bytes, save_png


def _rows(n: int = 10) -> list[dict]:
    return [
        {
            "step": s,
            "loss": 5 - 0.3 * s,
            "lr": 0.001 * s,
            "uniformity": -s / 5,
            "alignment": 1 - s / 20,
            "zeta": s,  # an unknown metric: plotted after the known ones
            "collapsed": s > 8,  # a flag: plotted as 0/1
            "note": "text",  # not a number: left out
        }
        for s in range(1, n + 1)
    ]


def test_series_put_known_metrics_first_and_keep_only_scalars():
    series = metric_series(_rows())
    assert list(series) == ["loss", "lr", "alignment", "uniformity", "collapsed", "zeta"]
    steps, values = series["collapsed"]
    assert steps == list(range(1, 11)) and values == [0.0] * 8 + [1.0] * 2


def test_a_metric_missing_from_some_rows_is_plotted_where_present():
    rows = [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5, "effective_rank": 7.0}]
    assert metric_series(rows)["effective_rank"] == ([2], [7.0])


def test_one_visible_panel_per_metric_with_its_data(tmp_path, png_size):
    fig = learning_curves(_rows(), columns=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split("\n")[0] for ax in visible] == [
        "loss", "lr", "alignment", "uniformity", "collapsed", "zeta"
    ]  # fmt: skip
    x, y = visible[0].lines[0].get_data()
    assert list(x) == list(range(1, 11)) and math.isclose(y[-1], 2.0)
    path = save_png(fig, tmp_path / "sub" / "curves.png")
    assert png_size(path.read_bytes()) == (3 * 420, 2 * 280)  # 3 columns × 2 rows at 100 dpi


def test_no_scalar_metric_is_an_error():
    with pytest.raises(ValueError, match="no scalar"):
        learning_curves([{"step": 1, "note": "x"}])


def test_png_bytes_is_a_png():
    assert png_bytes(learning_curves(_rows(3))).startswith(b"\x89PNG")
