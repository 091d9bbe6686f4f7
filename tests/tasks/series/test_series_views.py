"""The series task's views: overlapping crops, augmentations, and the exclusion mask."""

from __future__ import annotations

import torch

from contrastkit.negatives import exclusion_mask
from contrastkit.tasks.series.config import SeriesDataSettings
from contrastkit.tasks.series.views import SeriesStream, augment, two_crops


def test_crops_have_the_share_asked_and_start_within_the_shift():
    series = torch.arange(100, dtype=torch.float32).repeat(64, 2, 1)  # value = time step
    settings = SeriesDataSettings(crop=0.5, shift=0.2)
    first, second, starts = two_crops(series, settings)
    assert first.shape == second.shape == (64, 2, 50)
    assert torch.equal(first[:, 0, 0], starts.float())  # a crop is contiguous from its start
    gap = (second[:, 0, 0] - first[:, 0, 0]).abs()
    assert bool((gap <= 10).all()) and bool((gap > 0).any())


def test_augment_masks_one_span_and_leaves_shapes():
    torch.manual_seed(0)
    x = torch.ones(8, 3, 40)
    y = augment(x, SeriesDataSettings(jitter=0.0, scale=0.0, mask=0.25))
    zeros = (y == 0).all(dim=1)  # (B, L): masked steps, every channel
    assert zeros.sum(dim=1).tolist() == [10] * 8
    assert torch.equal(y[y != 0], torch.ones_like(y[y != 0]))


def test_the_stream_draws_k_crops_a_series_and_masks_nearby_ones():
    torch.manual_seed(0)
    settings = SeriesDataSettings(crops_per_series=4)
    stream = SeriesStream(
        torch.randn(12, 1, 60), torch.arange(12) % 3, settings, window=5.0,
        batch_size=8, seed=0, rank=0, world=1, device=torch.device("cpu"),
    )  # fmt: skip
    views = next(stream.epoch(0))
    assert len(views) == 8 and views.ids.view(2, 4).unique(dim=1).shape[1] == 1  # 2 series × 4
    assert views.exclude is not None
    assert torch.equal(views.exclude, exclusion_mask(views.ids, views.times, 5.0))
    assert torch.equal(views.labels, views.ids % 3)
