"""Epoch batches: shuffled by (seed, epoch), sharded by rank, resumable at any batch."""

from __future__ import annotations

from typing import Protocol

import torch


class IndexBatches(Protocol):
    """Batches of sample indices per epoch, a pure function of (seed, epoch) for one rank."""

    def __len__(self) -> int: ...

    def epoch(self, epoch: int, start: int = 0) -> list[torch.Tensor]: ...


class EpochBatches:
    """Deterministic batches of indices for every (epoch, rank), with no sample lost.

    The epochs form one stream: epoch e permutes ``range(n)`` with a generator seeded by
    ``seed + e`` (the same permutation on every rank) and follows what epoch e − 1 left over,
    fewer samples than one global batch of ``batch_size * world``; the stream is cut into
    global batches, and what is left at the epoch's end opens the next one. So every sample of
    every epoch is trained on, and every batch is full (equal shapes on every rank are what
    ``gather_with_grad`` needs). Rank r takes every world-th index of each global batch, so
    ranks never share a sample. The global batch that joins two epochs never holds a sample
    twice: a sample of the leftover is moved, within the new permutation, past that batch.

    An epoch has ``len(self)`` = ``n // (batch_size * world)`` batches, or one more when the
    leftovers add up to another batch.
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
        self._last = (-1, torch.empty(0, dtype=torch.long))  # (epoch, its stream)

    def __len__(self) -> int:
        return self.n // (self.batch_size * self.world)

    def epoch(self, epoch: int, start: int = 0) -> list[torch.Tensor]:
        """The batches of ``epoch`` from batch index ``start`` on."""
        order = self._order(epoch)
        mine = order[: len(order) - len(self._leftover(order))][self.rank :: self.world]
        return list(mine.split(self.batch_size))[start:]

    def leftover(self, epoch: int) -> torch.Tensor:
        """The indices ``epoch`` leaves to open the next one (in stream order)."""
        return self._leftover(self._order(epoch))

    def _leftover(self, order: torch.Tensor) -> torch.Tensor:
        return order[len(order) - len(order) % (self.batch_size * self.world) :]

    def _order(self, epoch: int) -> torch.Tensor:
        """Epoch ``epoch``'s stream: the previous epoch's leftover, then its permutation."""
        done, order = self._last
        if done > epoch:  # a look back (or a resume): the stream is rebuilt from epoch 0
            done, order = -1, torch.empty(0, dtype=torch.long)
        for e in range(done + 1, epoch + 1):
            carried = self._leftover(order)
            g = torch.Generator().manual_seed(self.seed + e)
            room = self.batch_size * self.world - len(carried)
            order = torch.cat([carried, _after(torch.randperm(self.n, generator=g), carried, room)])
        self._last = (epoch, order)
        return order


def _after(permutation: torch.Tensor, carried: torch.Tensor, room: int) -> torch.Tensor:
    """``permutation`` with its first ``room`` entries free of ``carried``: the entries of
    ``carried`` among them move, in order, right after them."""
    if not len(carried):
        return permutation
    free = ~torch.isin(permutation, carried)
    first = free & (free.cumsum(0) <= room)
    return torch.cat([permutation[first], permutation[~first]])
