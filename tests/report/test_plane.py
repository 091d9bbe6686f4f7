"""The alignment–uniformity plane: one point per logged step, coloured by step."""

from __future__ import annotations

import numpy as np
import pytest

from contrastkit.report import alignment_uniformity_plane, png_bytes
from contrastkit.report.plane import plane_points


def test_points_sit_at_uniformity_alignment_and_are_coloured_by_step(png_size):
    rows = [{"step": 10 * s, "alignment": 1 / s, "uniformity": -s / 2} for s in range(1, 6)]
    rows.insert(2, {"step": 25, "loss": 1.0})  # no geometry in this row: skipped
    fig = alignment_uniformity_plane(rows)
    ax = fig.axes[0]
    scatter = ax.collections[0]
    np.testing.assert_allclose(scatter.get_offsets(), [[-s / 2, 1 / s] for s in range(1, 6)])
    np.testing.assert_array_equal(scatter.get_array(), [10, 20, 30, 40, 50])
    assert "uniformity" in ax.get_xlabel() and "alignment" in ax.get_ylabel()
    assert fig.axes[1].get_ylabel() == "step"  # the colour bar
    assert png_size(png_bytes(fig)) == (560, 440)


def test_plane_points_keep_rows_with_both_numbers_in_order():
    rows = [{"step": 1, "alignment": 0.5}, {"step": 2, "alignment": 0.4, "uniformity": -1.0}]
    assert plane_points(rows) == ([2], [-1.0], [0.4])


def test_rows_without_alignment_and_uniformity_are_an_error():
    with pytest.raises(ValueError, match="alignment and uniformity"):
        alignment_uniformity_plane([{"step": 1, "loss": 1.0, "alignment": 0.5}])
