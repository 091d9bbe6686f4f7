"""Epoch batches: shuffled by (seed, epoch), sharded by rank, resumable at any batch."""

from __future__ import annotations

from typing import Protocol

import torch


class IndexBatches(Protocol):
    """Batches of sample indices per epoch, a pure function of (seed, epoch) for one rank."""

    def __len__(self) -> int: ...

    def epoch(self, epoch: int, start: int = 0) -> list[torch.Tensor]: ...


class EpochBatches:
    """Deterministic batches of indices for every (epoch, rank).

    Each epoch permutes ``range(n)`` with a generator seeded by ``seed + epoch`` — the same
    permutation on every rank — keeps the first ``len(self) * batch_size * world`` entries and
    gives rank r every world-th one, so ranks never share a sample. Incomplete batches are
    dropped (equal shapes on every rank are what ``gather_with_grad`` needs).
    """

    def __init__(
        self, n: int, batch_size: int, *, seed: int, rank: int = 0, world: int = 1
    ) -> None:
        if n < batch_size * world:
            raise ValueError(
                f"{n} samples cannot fill one batch of {batch_size} on {world} process(es); "
                "lower optim.batch_size or add data."
            )
        self.n, self.batch_size, self.seed, self.rank, self.world = n, batch_size, seed, rank, world

    def __len__(self) -> int:
        return self.n // (self.batch_size * self.world)

    def epoch(self, epoch: int, start: int = 0) -> list[torch.Tensor]:
        """The batches of ``epoch`` from batch index ``start`` on."""
        g = torch.Generator().manual_seed(self.seed + epoch)
        order = torch.randperm(self.n, generator=g)[: len(self) * self.batch_size * self.world]
        mine = order[self.rank :: self.world]
        return list(mine.split(self.batch_size))[start:]
