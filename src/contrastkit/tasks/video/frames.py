"""Which frames train and which are held out, and where in the training frames clips fit."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from contrastkit.data.video import VideoFrames


def split_frames(data: VideoFrames, holdout_every: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(training rows, held-out rows)``: of each video's frames, counted in order, the
    n-th, 2n-th, … (offset n // 2) are held out, so every held-out frame has training frames
    on both sides."""
    position = _position_in_video(data.video)
    held = position % holdout_every == holdout_every // 2
    rows = torch.arange(len(data))
    return rows[~held], rows[held]


@dataclass(frozen=True)
class ClipLayout:
    """Training rows (ordered by video, then time) and, for each of them, the first and last
    index of its video's run in that order; ``starts`` are the indices where a clip of
    ``length`` anchors ``stride`` apart fits inside one video."""

    rows: torch.Tensor
    first: torch.Tensor
    last: torch.Tensor
    starts: torch.Tensor
    length: int
    stride: int

    @classmethod
    def of(cls, video: torch.Tensor, rows: torch.Tensor, length: int, stride: int) -> ClipLayout:
        first, last = _run_bounds(video[rows])
        index = torch.arange(len(rows))
        starts = index[index + (length - 1) * stride <= last]
        if len(starts) == 0:
            raise ValueError(
                f"no video has {(length - 1) * stride + 1} training frames for a clip of "
                f"{length} frames {stride} apart; lower data.clip_length or data.stride"
            )
        return cls(rows, first, last, starts, length, stride)

    def anchors(self, clips: torch.Tensor) -> torch.Tensor:
        """Indices (into ``rows``) of the anchors of clips starting at ``starts[clips]``."""
        offsets = torch.arange(self.length, device=clips.device) * self.stride
        return (self.starts.to(clips.device)[clips].view(-1, 1) + offsets).view(-1)

    def partners(self, anchors: torch.Tensor, reach: int) -> torch.Tensor:
        """A random index within ± ``reach`` of every anchor, inside the anchor's video."""
        shift = torch.randint(-reach, reach + 1, anchors.shape, device=anchors.device)
        lo, hi = self.first.to(anchors.device)[anchors], self.last.to(anchors.device)[anchors]
        return torch.minimum(torch.maximum(anchors + shift, lo), hi)


def _position_in_video(video: torch.Tensor) -> torch.Tensor:
    """0, 1, 2, … within each run of equal video ids (frames are stored video after video)."""
    return torch.arange(len(video)) - _run_bounds(video)[0]


def _run_bounds(ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For every element, the first and last index of the run of equal ids it belongs to."""
    index = torch.arange(len(ids))
    new_run = torch.ones(len(ids), dtype=torch.bool)
    new_run[1:] = ids[1:] != ids[:-1]
    run = new_run.cumsum(0) - 1
    starts = index[new_run]
    ends = torch.cat([starts[1:] - 1, torch.tensor([len(ids) - 1])])
    return starts[run], ends[run]
