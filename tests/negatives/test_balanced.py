"""Class-balanced batches: m of each of c classes, disjoint across ranks, pure in (seed,
epoch), resumable."""

from __future__ import annotations

import pytest
import torch

from contrastkit.negatives import ClassBalancedBatches

LABELS = torch.tensor([c for c in range(6) for _ in range(5 + c)])  # 5..10 samples a class


def test_every_batch_holds_m_samples_of_each_of_c_classes():
    sampler = ClassBalancedBatches(LABELS, m=2, classes_per_batch=3, seed=0)
    batches = sampler.epoch(0)
    assert len(batches) == len(sampler) == 7  # all 21 groups of 2 used, 3 to a batch
    seen: list[int] = []
    for batch in batches:
        counts = torch.bincount(LABELS[batch], minlength=6)
        assert sorted(counts[counts > 0].tolist()) == [2, 2, 2]
        seen += batch.tolist()
    assert len(seen) == len(set(seen))  # no sample twice in an epoch


@pytest.mark.parametrize("world", [2, 3])
def test_ranks_partition_each_global_batch(world):
    ranks = [
        ClassBalancedBatches(LABELS, m=2, classes_per_batch=3, seed=4, rank=r, world=world)
        for r in range(world)
    ]
    per_rank = [r.epoch(1) for r in ranks]
    whole = ranks[0].global_batches(1)
    assert all(len(b) == len(whole) for b in per_rank)
    for i, batch in enumerate(whole):
        parts = [per_rank[r][i] for r in range(world)]
        assert torch.equal(torch.cat(parts), batch)  # together the global batch, no overlap
        assert len({x for p in parts for x in p.tolist()}) == len(batch)


def test_the_same_epoch_twice_and_a_resume_mid_epoch():
    sampler = ClassBalancedBatches(LABELS, m=2, classes_per_batch=3, seed=7)
    first, again = sampler.epoch(2), sampler.epoch(2)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert all(torch.equal(a, b) for a, b in zip(sampler.epoch(2, start=3), first[3:], strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(sampler.epoch(3), first, strict=False))


def test_impossible_settings_are_one_sentence():
    with pytest.raises(ValueError, match="only 0 classes have 20 samples"):
        ClassBalancedBatches(LABELS, m=20, classes_per_batch=2, seed=0)
    with pytest.raises(ValueError, match="cannot be split evenly across 4 ranks"):
        ClassBalancedBatches(LABELS, m=3, classes_per_batch=3, seed=0, world=4)
