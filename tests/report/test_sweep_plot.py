"""The sweep picture: one panel per measured quantity against the swept value."""

from __future__ import annotations

import numpy as np
import pytest

from contrastkit.report import png_bytes, sweep_figure
from contrastkit.report.sweep import run_dir_name
from contrastkit.report.sweep_plot import numeric_values

METRICS = {"knn_accuracy": [0.6, 0.7, 0.65, 0.5], "alignment": [0.2, 0.3, 0.4, 0.5]}


def test_numeric_values_read_as_yaml_numbers():
    assert numeric_values(["0.05", "1e-3", "2"]) == [0.05, 0.001, 2.0]
    assert numeric_values(["simclr", "byol"]) is None
    assert numeric_values(["true", "1"]) is None  # booleans are not positions on an axis


def test_temperatures_go_on_a_log_axis_with_the_best_starred(png_size):
    values = ["0.05", "0.1", "0.2", "0.5"]
    fig = sweep_figure("temperature", values, METRICS, best="0.1")
    knn, align = fig.axes
    assert knn.get_xscale() == align.get_xscale() == "log" and knn.get_xlabel() == "temperature"
    x, y = knn.lines[0].get_data()
    np.testing.assert_allclose(x, [0.05, 0.1, 0.2, 0.5])
    np.testing.assert_allclose(y, METRICS["knn_accuracy"])
    star = knn.lines[1].get_data()
    assert (list(star[0]), list(star[1])) == ([0.1], [0.7])
    assert [t.get_text() for t in knn.get_xticklabels()] == values
    assert png_size(png_bytes(fig)) == (860, 350)


def test_a_narrow_numeric_range_stays_linear_and_names_are_categories():
    assert sweep_figure("lr", ["1", "2"], {"m": [0.1, 0.2]}).axes[0].get_xscale() == "linear"
    fig = sweep_figure("method", ["simclr", "byol"], {"m": [0.1, None]})
    x, y = fig.axes[0].lines[0].get_data()
    assert list(x) == [0, 1] and np.isnan(y[1])


def test_metric_length_must_match_the_values():
    with pytest.raises(ValueError, match="2 entries for 3 values"):
        sweep_figure("t", ["1", "2", "3"], {"m": [1.0, 2.0]})


def test_run_dir_names_are_safe_folder_names():
    assert run_dir_name("temperature", "0.05") == "temperature=0.05"
    assert run_dir_name("data.source", "folder:/a b") == "data.source=folder__a_b"
