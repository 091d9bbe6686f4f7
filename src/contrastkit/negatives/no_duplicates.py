"""Epoch batches in which no text occurs twice: no false negatives among in-batch negatives.

With in-batch negatives every other row's positive is a negative for an anchor; if the same
text sits in two rows of a batch (a repeated title, a sentence in several pairs), the model is
pushed away from an exact copy of its positive. This sampler keeps every text — in any column,
compared as exact strings — at most once per global batch (all ranks together, since losses
gather embeddings across ranks).

Adapted from sentence-transformers' ``NoDuplicatesBatchSampler``
(sentence_transformers/sampler.py), made global across ranks and resumable.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


class NoDuplicateBatches:
    """Deterministic index batches, free of repeated texts, for every (epoch, rank).

    Each epoch permutes ``range(n)`` with a generator seeded by ``seed + epoch`` (the same on
    every rank) and fills global batches of ``batch_size * world`` indices greedily in that
    order: an index joins the batch only when none of its texts is already in it; otherwise it
    waits in a pending list, which is tried first for the following batches. (A row may repeat
    its own text, e.g. anchor = positive.) The epoch ends at the first global batch that the
    remaining indices cannot fill; that batch and the leftovers are dropped. Rank r takes the
    r-th contiguous ``batch_size`` slice of each global batch. The interface is that of
    :class:`contrastkit.engine.sampler.EpochBatches` (the ``IndexBatches`` protocol).

    ``len(self)`` is ``n // (batch_size * world)``, the batches an epoch has when no text
    repeats; with many repeats :meth:`epoch` returns fewer (e.g. a text shared by 30 rows
    needs 30 distinct batches), so iterate over what it returns.

    Example:
        >>> rows = [("a", "x"), ("b", "x"), ("c", "y"), ("d", "z")]
        >>> NoDuplicateBatches(rows, 2, seed=0).epoch(0)  # ("a","x") and ("b","x") never meet
        [tensor([0, 3]), tensor([1, 2])]
    """

    def __init__(
        self,
        rows: Sequence[tuple[str, ...]],
        batch_size: int,
        *,
        seed: int,
        rank: int = 0,
        world: int = 1,
    ) -> None:
        if batch_size < 1 or world < 1 or not 0 <= rank < world:
            raise ValueError(
                f"need batch_size >= 1 and 0 <= rank < world, got batch_size={batch_size}, "
                f"rank={rank}, world={world}."
            )
        if len(rows) < batch_size * world:
            raise ValueError(
                f"{len(rows)} rows cannot fill one batch of {batch_size} on {world} "
                "process(es); lower optim.batch_size or add data."
            )
        self.rows = rows
        self.batch_size, self.seed, self.rank, self.world = batch_size, seed, rank, world

    def __len__(self) -> int:
        return len(self.rows) // (self.batch_size * self.world)

    def epoch(self, epoch: int, start: int = 0) -> list[torch.Tensor]:
        """This rank's batches of ``epoch`` from batch index ``start`` on (int64 ``(batch_size,)``)."""
        lo = self.rank * self.batch_size
        return [b[lo : lo + self.batch_size] for b in self.global_batches(epoch)[start:]]

    def global_batches(self, epoch: int) -> list[torch.Tensor]:
        """The batches of ``epoch`` for all ranks together (int64 ``(batch_size * world,)``)."""
        size = self.batch_size * self.world
        g = torch.Generator().manual_seed(self.seed + epoch)
        order = torch.randperm(len(self.rows), generator=g).tolist()
        batches: list[torch.Tensor] = []
        pending: list[int] = []  # indices skipped so far, in `order` order: tried first
        next_new = 0  # order[next_new:] have not been tried yet
        while len(pending) + len(order) - next_new >= size:
            batch: list[int] = []
            texts: set[str] = set()
            skipped = []
            for i in pending:
                if len(batch) < size and texts.isdisjoint(self.rows[i]):
                    batch.append(i)
                    texts.update(self.rows[i])
                else:
                    skipped.append(i)
            while len(batch) < size and next_new < len(order):
                i = order[next_new]
                next_new += 1
                if texts.isdisjoint(self.rows[i]):
                    batch.append(i)
                    texts.update(self.rows[i])
                else:
                    skipped.append(i)
            if len(batch) < size:
                break  # every remaining index was tried: the rest cannot fill a batch
            batches.append(torch.tensor(batch, dtype=torch.int64))
            pending = skipped
        return batches
