"""Two views of every series in a batch: overlapping crops, jitter, scaling and a masked span.

View 1 is a crop of ``crop·T`` steps at a random start; view 2 a crop of the same length
starting within ±``shift·crop`` steps of it (overlapping crops and nearby windows, both
positives of each other). Each view then gets Gaussian jitter, a per-channel scale and one
zeroed span of ``mask·L`` steps. Randomness comes from torch's generator, which the loop
reseeds before every step, so a resumed run draws the same views.

With ``crops_per_series`` K > 1 a batch holds K crops of each of B/K series; crops of one
series that start within ``exclusion_window`` steps are then no negatives of each other (a
mask from series ids and crop starts, gathered across ranks, never from embeddings).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

from contrastkit.engine.sampler import EpochBatches
from contrastkit.negatives import exclusion_mask
from contrastkit.tasks.series.config import SeriesDataSettings


@dataclass(frozen=True)
class SeriesViews:
    """Two views ``(B, C, L)`` of B crops, their series ids and start times ``(B,)``, labels,
    and the exclusion mask ``(B, W·B)`` (None: every other crop is a negative)."""

    first: torch.Tensor
    second: torch.Tensor
    ids: torch.Tensor
    times: torch.Tensor
    labels: torch.Tensor
    exclude: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.first)


def crop_length(length: int, settings: SeriesDataSettings) -> int:
    return max(2, round(settings.crop * length))


def augment(x: torch.Tensor, settings: SeriesDataSettings) -> torch.Tensor:
    """Jitter, per-channel scale and one masked span on a batch of crops ``(B, C, L)``."""
    b, c, length = x.shape
    x = x * (1 + settings.scale * torch.randn(b, c, 1, device=x.device))
    x = x + settings.jitter * torch.randn_like(x)
    span = int(settings.mask * length)
    if span:
        starts = torch.randint(0, length - span + 1, (b, 1), device=x.device)
        steps = torch.arange(length, device=x.device).view(1, -1)
        hidden = (steps >= starts) & (steps < starts + span)  # (B, L)
        x = x.masked_fill(hidden.unsqueeze(1), 0.0)
    return x


def two_crops(series: torch.Tensor, settings: SeriesDataSettings) -> tuple[torch.Tensor, ...]:
    """Overlapping crops of every row: ``(view 1, view 2, start of view 1)``."""
    b, _, length = series.shape
    size = crop_length(length, settings)
    room = length - size
    first = torch.randint(0, room + 1, (b,), device=series.device)
    reach = int(settings.shift * size)
    offset = torch.randint(-reach, reach + 1, (b,), device=series.device)
    second = (first + offset).clamp(0, room)
    steps = torch.arange(size, device=series.device).view(1, 1, -1)

    def take(starts: torch.Tensor) -> torch.Tensor:
        index = (starts.view(-1, 1, 1) + steps).expand(-1, series.shape[1], -1)
        return series.gather(2, index)

    return take(first), take(second), first


class SeriesStream:
    """Batches of two views for the loop: the ``BatchStream`` of the series task."""

    def __init__(
        self,
        series: torch.Tensor,
        labels: torch.Tensor,
        settings: SeriesDataSettings,
        window: float,
        *,
        batch_size: int,
        seed: int,
        rank: int,
        world: int,
        device: torch.device,
    ) -> None:
        self.series, self.labels, self.settings = series.to(device), labels.to(device), settings
        self.window, self.distributed = window, world > 1
        self.per_batch = batch_size // settings.crops_per_series
        self.batches = EpochBatches(len(series), self.per_batch, seed=seed, rank=rank, world=world)

    def epoch(self, epoch: int, start: int = 0) -> Iterator[SeriesViews]:
        repeat = self.settings.crops_per_series
        for index in self.batches.epoch(epoch, start):
            index = index.to(self.series.device).repeat_interleave(repeat)  # K crops each
            first, second, times = two_crops(self.series[index], self.settings)
            exclude = None
            if self.window > 0:
                exclude = exclusion_mask(
                    index, times, self.window, gather_distributed=self.distributed
                )
            yield SeriesViews(
                augment(first, self.settings),
                augment(second, self.settings),
                index,
                times,
                self.labels[index],
                exclude,
            )
