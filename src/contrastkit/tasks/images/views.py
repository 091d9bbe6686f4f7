"""Streams of augmented view pairs, one per training step, on the training device: the
image task's :class:`~contrastkit.engine.stream.BatchStream`.

Two ways to augment (DESIGN.md):

* ``BatchedViews`` — raw uint8 batches (indexed straight from memory, or loaded by a
  DataLoader for folders) are moved to the device and augmented there in one batched kornia
  call with per-sample random parameters. The loop reseeds torch before every step, so the
  views of step s depend only on (seed, step). The augmentation may return more than two
  views (multi-crop): the extra ones become ``Views.crops``.
* ``PerSampleViews`` — torchvision v2 transforms per image in DataLoader workers. Each item
  reseeds torch from (seed, epoch, index), so worker count and prefetching change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from contrastkit.data.image_folder import ImageFolderDataset
from contrastkit.engine.rng import step_seed
from contrastkit.engine.sampler import IndexBatches
from contrastkit.types import Views

Pair = tuple[torch.Tensor, torch.Tensor]
# (first, second) or, with multi-crop, (first, second, *small crops)
ManyViews = Callable[[torch.Tensor], tuple[torch.Tensor, ...]]


class BatchedViews:
    def __init__(
        self,
        data: Any,  # ImageArrays (in memory) or a Dataset of (uint8 (C, H, W), label)
        batches: IndexBatches,
        two_views: ManyViews,
        device: torch.device,
        num_workers: int = 0,
    ) -> None:
        self.data, self.batches, self.two_views = data, batches, two_views
        self.device, self.num_workers = device, num_workers

    def counters(self) -> dict[str, float]:
        return _decode_failures(self.data)

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Views]:
        for images, labels in self._raw(epoch, start):
            images = images.to(self.device, non_blocking=True)  # (B, C, H, W) uint8
            first, second, *crops = self.two_views(images)
            yield Views(first, second, labels.to(self.device), crops=tuple(crops))

    def _raw(self, epoch: int, start: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        index_batches = self.batches.epoch(epoch, start)
        images = getattr(self.data, "images", None)
        if isinstance(images, torch.Tensor):  # in memory: index, no per-item overhead
            labels = self.data.labels
            for idx in index_batches:
                yield images[idx], (labels[idx] if labels is not None else _unlabelled(idx))
            return
        yield from DataLoader(
            self.data,
            batch_sampler=[b.tolist() for b in index_batches],
            num_workers=self.num_workers,
            pin_memory=self.device.type == "cuda",
            generator=_own_generator(epoch),
        )


class _SeededPairs(Dataset[tuple[torch.Tensor, torch.Tensor, int]]):
    """Item ``(epoch, i)`` → two views of sample i, from RNG seeded by (seed, epoch, i)."""

    def __init__(self, base: Any, two_views: Callable[[torch.Tensor], Pair], seed: int) -> None:
        self.base, self.two_views, self.seed = base, two_views, seed

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, int]:
        epoch, i = key
        torch.manual_seed(step_seed(self.seed, epoch, i))
        image, label = self.base[i]
        first, second = self.two_views(image)
        return first, second, int(label)


class PerSampleViews:
    def __init__(
        self,
        data: Any,  # a Dataset of (uint8 (C, H, W), label)
        batches: IndexBatches,
        two_views: Callable[[torch.Tensor], Pair],
        device: torch.device,
        *,
        seed: int,
        num_workers: int = 0,
    ) -> None:
        self.pairs = _SeededPairs(data, two_views, seed)
        self.batches, self.device, self.num_workers = batches, device, num_workers

    def counters(self) -> dict[str, float]:
        return _decode_failures(self.pairs.base)

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Views]:
        loader = DataLoader(
            self.pairs,
            batch_sampler=[
                [(epoch, i) for i in b.tolist()] for b in self.batches.epoch(epoch, start)
            ],
            num_workers=self.num_workers,
            pin_memory=self.device.type == "cuda",
            persistent_workers=False,
            generator=_own_generator(epoch),
        )
        for first, second, labels in loader:
            yield Views(first.to(self.device), second.to(self.device), labels.to(self.device))


def _own_generator(epoch: int) -> torch.Generator:
    """A DataLoader draws its workers' base seed when it starts iterating; from torch's global
    generator that draw would shift every later augmentation, and a resumed run starts one
    more iterator (its half-finished epoch) than an uninterrupted one. Its own generator,
    seeded by the epoch, keeps the global stream untouched and the workers' seeds fixed."""
    return torch.Generator().manual_seed(epoch)


def _decode_failures(data: Any) -> dict[str, float]:
    """``skipped_files`` of an image folder read with ``on_error="skip"`` (files that failed
    to decode during training); nothing for data held in memory."""
    if isinstance(data, ImageFolderDataset) and data.on_error == "skip":
        return {"skipped_files": float(data.decode_failures)}
    return {}


def _unlabelled(idx: torch.Tensor) -> torch.Tensor:
    return torch.full((len(idx),), -1, dtype=torch.long)
