"""Batches of frame pairs: clips of anchor frames, each paired with a nearby frame.

A batch holds B/K clips of K anchors ``stride`` training frames apart; each anchor's partner
is a training frame within ± ``positive_range`` frames of it in the same video. Both go
through the SimCLR augmentation (on the training device). With an exclusion window w > 0,
anchors of one video within w frames of each other (by the video's frame numbers) are no
negatives of each other: the clips put such near-duplicates in every batch on purpose,
which is the false-negative case the window exists for. Randomness is torch's, reseeded by
the loop before every step, so a resumed run draws the same batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from contrastkit.engine.sampler import EpochBatches
from contrastkit.negatives import exclusion_mask
from contrastkit.tasks.video.frames import ClipLayout


@dataclass(frozen=True)
class VideoViews:
    """Two views ``(B, 3, S, S)`` of B anchors; the anchors' ``rows`` in the frame table,
    their ``ids`` (video) and ``times`` (frame numbers) ``(B,)``; the exclusion mask
    ``(B, W·B)`` or None."""

    first: torch.Tensor
    second: torch.Tensor
    rows: torch.Tensor
    ids: torch.Tensor
    times: torch.Tensor
    exclude: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.first)


class VideoStream:
    """The ``BatchStream`` of the video task."""

    def __init__(
        self,
        frames: torch.Tensor,
        video: torch.Tensor,
        time: torch.Tensor,
        layout: ClipLayout,
        augment: nn.Module,
        *,
        positive_range: int,
        window: float,
        batch_size: int,
        seed: int,
        rank: int,
        world: int,
        device: torch.device,
    ) -> None:
        self.frames, self.video, self.time = frames.to(device), video.to(device), time.to(device)
        self.layout, self.augment, self.reach = layout, augment.to(device), positive_range
        self.window, self.distributed, self.device = window, world > 1, device
        self.batches = EpochBatches(
            len(layout.starts), batch_size // layout.length, seed=seed, rank=rank, world=world
        )

    def epoch(self, epoch: int, start: int = 0) -> Iterator[VideoViews]:
        rows = self.layout.rows.to(self.device)
        for clips in self.batches.epoch(epoch, start):
            anchors = self.layout.anchors(clips.to(self.device))
            partners = self.layout.partners(anchors, self.reach)
            a, p = rows[anchors], rows[partners]
            ids, times = self.video[a], self.time[a]
            exclude = None
            if self.window > 0:
                exclude = exclusion_mask(
                    ids, times, self.window, gather_distributed=self.distributed
                )
            yield VideoViews(
                self.augment(self.frames[a]), self.augment(self.frames[p]), a, ids, times, exclude
            )
