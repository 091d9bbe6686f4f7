"""Batches of training (user, item) pairs, with what the loss needs about them: each
item's log sampling probability and which in-batch items are the user's own positives."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

from contrastkit.engine.sampler import EpochBatches


@dataclass(frozen=True)
class PairBatch:
    """``users``, ``items`` (B,); ``positives`` (B, B) bool: item j is one of user i's
    training items (so no negative of row i)."""

    users: torch.Tensor
    items: torch.Tensor
    positives: torch.Tensor

    def __len__(self) -> int:
        return len(self.users)


class PairStream:
    """The ``BatchStream`` of the interactions task: training pairs shuffled every epoch."""

    def __init__(
        self,
        users: torch.Tensor,
        items: torch.Tensor,
        n_items: int,
        *,
        batch_size: int,
        seed: int,
        rank: int = 0,
        world: int = 1,
    ) -> None:
        self.users, self.items, self.n_items = users, items, n_items
        self.known = torch.unique(users * n_items + items)  # sorted keys of training pairs
        self.batches = EpochBatches(len(users), batch_size, seed=seed, rank=rank, world=world)

    def epoch(self, epoch: int, start: int = 0) -> Iterator[PairBatch]:
        for index in self.batches.epoch(epoch, start):
            users, items = self.users[index], self.items[index]
            yield PairBatch(users, items, self.is_positive(users, items))

    def is_positive(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """``(B, B)``: item j is a training item of user i."""
        keys = users.view(-1, 1) * self.n_items + items.view(1, -1)
        at = torch.searchsorted(self.known, keys).clamp(max=len(self.known) - 1)
        return self.known[at] == keys
