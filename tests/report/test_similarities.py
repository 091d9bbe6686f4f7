"""Positive vs negative cosine similarities of two views."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from contrastkit.report import pair_similarities, png_bytes, similarity_histograms


def test_positives_are_the_diagonal_and_negatives_every_other_pair():
    x, y = torch.randn(5, 8), torch.randn(5, 8)
    pos, neg = pair_similarities(x, y)
    full = F.normalize(x, dim=1) @ F.normalize(y, dim=1).t()
    torch.testing.assert_close(pos, full.diagonal())
    assert neg.shape == (20,)
    torch.testing.assert_close(neg.sum(), full.sum() - full.diagonal().sum())


def test_views_that_agree_give_positives_above_negatives():
    x = torch.randn(64, 32)
    y = x + 0.1 * torch.randn(64, 32)  # the second view: a small perturbation
    pos, neg = pair_similarities(x, y)
    assert pos.min() > 0.9 and neg.abs().mean() < 0.3 and pos.min() > neg.max()


def test_histograms_one_panel_per_entry_titled_with_the_gap(png_size):
    x = torch.randn(32, 16)
    panels = {"z": pair_similarities(x, x), "h": pair_similarities(x, torch.randn(32, 16))}
    fig = similarity_histograms(panels)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title().startswith("z\nmean pos − mean neg = ")
    gap = float(fig.axes[0].get_title().rsplit("= ", 1)[1])
    assert gap == pytest.approx(1 - float(panels["z"][1].mean()), abs=1e-3)
    assert fig.axes[0].get_legend_handles_labels()[1] == ["negatives", "positives"]
    assert png_size(png_bytes(fig)) == (1040, 360)


def test_bad_shapes_are_an_error():
    with pytest.raises(ValueError, match="N ≥ 2"):
        pair_similarities(torch.randn(1, 4), torch.randn(1, 4))
    with pytest.raises(ValueError):
        pair_similarities(torch.randn(3, 4), torch.randn(3, 5))
