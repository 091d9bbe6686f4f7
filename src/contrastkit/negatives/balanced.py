"""Class-balanced batches: m samples of each of c classes per batch, sharded across ranks.

SupCon, the margin losses and their miners need positives in every batch; a uniformly drawn
batch of 64 over 1,000 classes has almost none. Each epoch shuffles every class's samples
(seed + epoch), cuts them into groups of m, and deals the groups into global batches of
``classes_per_batch`` distinct classes, classes in a shuffled order; rank r takes the r-th
contiguous slice of each global batch, so ranks never share a sample. Pure in (seed, epoch),
resumable at any batch (the ``IndexBatches`` protocol of ``engine/sampler.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


class ClassBalancedBatches:
    """Batches of ``m`` samples from each of ``classes_per_batch`` classes.

    Args:
        labels: one class label per sample.
        m: samples of one class in a batch (a class with fewer than m samples is left out).
        classes_per_batch: distinct classes in a global batch; a rank's batch holds
            ``m * classes_per_batch // world`` samples.
        seed, rank, world: as everywhere; ``m * classes_per_batch`` must divide by ``world``.

    Example:
        >>> batches = ClassBalancedBatches([0, 0, 1, 1, 2, 2], m=2, classes_per_batch=2, seed=0)
        >>> [labels[b] for b in batches.epoch(0)]  # two classes, two samples each
    """

    def __init__(
        self,
        labels: Sequence[int] | torch.Tensor,
        *,
        m: int,
        classes_per_batch: int,
        seed: int,
        rank: int = 0,
        world: int = 1,
    ) -> None:
        if m < 1 or classes_per_batch < 1:
            raise ValueError(
                f"need m >= 1 and classes_per_batch >= 1, got {m}, {classes_per_batch}"
            )
        if (m * classes_per_batch) % world or not 0 <= rank < world:
            raise ValueError(
                f"a global batch of {m} × {classes_per_batch} samples cannot be split evenly "
                f"across {world} ranks (rank {rank})"
            )
        self.labels = torch.as_tensor(labels, dtype=torch.long)
        self.m, self.classes_per_batch = m, classes_per_batch
        self.seed, self.rank, self.world = seed, rank, world
        counts = torch.bincount(self.labels)
        if int((counts >= m).sum()) < classes_per_batch:
            raise ValueError(
                f"only {int((counts >= m).sum())} classes have {m} samples or more; a batch "
                f"needs {classes_per_batch}"
            )

    def __len__(self) -> int:
        return len(self.global_batches(0))

    def epoch(self, epoch: int, start: int = 0) -> list[torch.Tensor]:
        """This rank's batches of ``epoch`` from batch ``start`` on."""
        share = self.m * self.classes_per_batch // self.world
        lo = self.rank * share
        return [b[lo : lo + share] for b in self.global_batches(epoch)[start:]]

    def global_batches(self, epoch: int) -> list[torch.Tensor]:
        """Every rank's batches of ``epoch`` together, each ``(m * classes_per_batch,)``."""
        g = torch.Generator().manual_seed(self.seed + epoch)
        groups: list[list[torch.Tensor]] = []  # per class, its shuffled groups of m
        for c in range(int(self.labels.max()) + 1):
            members = torch.nonzero(self.labels == c).flatten()
            members = members[torch.randperm(len(members), generator=g)]
            usable = len(members) // self.m * self.m
            groups.append(list(members[:usable].split(self.m)) if usable else [])
        batches: list[torch.Tensor] = []
        while True:
            ready = [c for c, gs in enumerate(groups) if gs]
            if len(ready) < self.classes_per_batch:
                return batches
            # the classes with the most groups left first (ties shuffled), so few batches are lost
            order = torch.randperm(len(ready), generator=g).tolist()
            chosen = sorted((ready[i] for i in order), key=lambda c: -len(groups[c]))[
                : self.classes_per_batch
            ]
            picked = [groups[c].pop() for c in chosen]
            batches.append(torch.cat(picked))
