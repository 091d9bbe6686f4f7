"""Duplicate-free batches (negatives/no_duplicates.py): no text twice per global batch, ranks,
determinism, resumption, and agreement with a naive transcription of sentence-transformers."""

from __future__ import annotations

import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.negatives import NoDuplicateBatches


def duplicated_rows(n=200, vocabulary=40, columns=2, seed=0):
    """Rows of texts drawn from a small vocabulary, so most texts repeat across rows."""
    rng = random.Random(seed)
    return [tuple(f"t{rng.randrange(vocabulary)}" for _ in range(columns)) for _ in range(n)]


def naive_batches(rows, size, order):
    """sentence-transformers' NoDuplicatesBatchSampler loop, stopping at the first short batch."""
    remaining, batches = list(order), []
    while True:
        batch, texts = [], set()
        for i in remaining:
            if not texts & set(rows[i]):
                batch.append(i)
                texts |= set(rows[i])
                if len(batch) == size:
                    break
        if len(batch) < size:
            return batches
        batches.append(batch)
        remaining = [i for i in remaining if i not in batch]


@pytest.mark.parametrize("world", [1, 2, 3])
def test_no_text_twice_in_a_global_batch_and_no_index_twice_in_an_epoch(world):
    rows = duplicated_rows()
    ranks = [NoDuplicateBatches(rows, 4, seed=0, rank=r, world=world) for r in range(world)]
    per_rank = [r.epoch(5) for r in ranks]
    assert len({len(b) for b in per_rank}) == 1 and len(per_rank[0]) > 0
    used = []
    for parts in zip(*per_rank, strict=True):
        batch = torch.cat(parts).tolist()
        texts = [t for i in batch for t in set(rows[i])]  # a row may repeat its own text
        assert len(texts) == len(set(texts))
        used += batch
    assert len(used) == len(set(used))


def test_rank_slices_partition_the_global_batch():
    rows = duplicated_rows(vocabulary=300)
    global_batches = NoDuplicateBatches(rows, 6, seed=3, world=1).global_batches(2)
    ranks = [NoDuplicateBatches(rows, 2, seed=3, rank=r, world=3).epoch(2) for r in range(3)]
    for k, whole in enumerate(global_batches):
        parts = [r[k] for r in ranks]
        assert all(p.shape == (2,) and p.dtype == torch.int64 for p in parts)
        assert torch.equal(torch.cat(parts), whole)


def test_deterministic_per_seed_and_epoch():
    rows = duplicated_rows()
    a, b = NoDuplicateBatches(rows, 8, seed=1), NoDuplicateBatches(rows, 8, seed=1)
    assert all(torch.equal(x, y) for x, y in zip(a.epoch(0), b.epoch(0), strict=True))
    assert not torch.equal(a.epoch(0)[0], a.epoch(1)[0])
    assert not torch.equal(a.epoch(0)[0], NoDuplicateBatches(rows, 8, seed=2).epoch(0)[0])


def test_start_skips_consumed_batches():
    b = NoDuplicateBatches(duplicated_rows(), 8, seed=1)
    assert all(torch.equal(x, y) for x, y in zip(b.epoch(2, start=3), b.epoch(2)[3:], strict=True))


def test_distinct_texts_give_full_epochs_like_epoch_batches():
    rows = [(f"a{i}", f"p{i}") for i in range(103)]
    b = NoDuplicateBatches(rows, 10, seed=0, rank=1, world=2)
    assert len(b) == 5 and len(b.epoch(0)) == 5


def test_heavy_duplicates_give_fewer_batches_than_len():
    rows = [(f"a{i}", "same positive") for i in range(10)] + [("b", "c"), ("d", "e")]
    b = NoDuplicateBatches(rows, 2, seed=0)
    assert len(b) == 6 and 1 <= len(b.epoch(0)) <= 2  # each batch holds at most one "same"
    assert NoDuplicateBatches([("x", "y")] * 4, 2, seed=0).epoch(0) == []


@settings(max_examples=40)
@given(
    n=st.integers(4, 60),
    size=st.integers(1, 6),
    vocabulary=st.integers(2, 80),
    columns=st.integers(1, 3),
    seed=st.integers(0, 5),
)
def test_agrees_with_the_naive_loop(n, size, vocabulary, columns, seed):
    if n < size:
        return
    rows = duplicated_rows(n, vocabulary, columns, seed)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + 7)).tolist()
    got = [b.tolist() for b in NoDuplicateBatches(rows, size, seed=seed).global_batches(7)]
    assert got == naive_batches(rows, size, order)


@pytest.mark.parametrize(
    ("n", "kwargs", "message"),
    [
        (5, {"batch_size": 4, "world": 2}, r"5 rows cannot fill one batch of 4 on 2 process"),
        (9, {"batch_size": 0}, r"need batch_size >= 1 and 0 <= rank < world"),
        (9, {"batch_size": 2, "rank": 2, "world": 2}, r"got batch_size=2, rank=2, world=2"),
    ],
)
def test_invalid_arguments(n, kwargs, message):
    with pytest.raises(ValueError, match=message):
        NoDuplicateBatches([(str(i),) for i in range(n)], seed=0, **kwargs)
