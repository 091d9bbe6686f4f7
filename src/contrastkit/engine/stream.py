"""What the loop draws batches from: a task's stream of batches, resumable at any batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from contrastkit.engine.sampler import IndexBatches
from contrastkit.types import Batch


class BatchStream(Protocol):
    """Batches of one epoch after another, a pure function of (seed, epoch) for one rank.

    ``batches`` are the sampler's index batches (their count is the epoch's length);
    ``epoch(e, start)`` yields epoch ``e``'s batches from index ``start`` on, on the training
    device. Each task builds its own (images: augmented views; text: tokenized columns).
    """

    @property
    def batches(self) -> IndexBatches: ...

    def epoch(self, epoch: int, start: int = 0) -> Iterator[Batch]: ...


@runtime_checkable
class ReportsCounters(Protocol):
    """A stream with running counts worth a column in the log (e.g. ``skipped_files``: files
    that failed to decode and were stood in for); the loop adds them to every log row."""

    def counters(self) -> dict[str, float]: ...
