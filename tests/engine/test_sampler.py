import pytest
import torch

from contrastkit.engine.sampler import EpochBatches


def test_ranks_get_disjoint_equal_batches_covering_the_epoch():
    ranks = [EpochBatches(103, 10, seed=0, rank=r, world=2) for r in range(2)]
    assert len(ranks[0]) == 5
    seen = [torch.cat(r.epoch(3)) for r in ranks]
    assert all(s.numel() == 50 for s in seen)
    assert len(set(seen[0].tolist()) | set(seen[1].tolist())) == 100


def test_same_epoch_same_order_and_epochs_differ():
    b = EpochBatches(50, 8, seed=1)
    assert all(torch.equal(x, y) for x, y in zip(b.epoch(0), b.epoch(0), strict=True))
    assert not torch.equal(b.epoch(0)[0], b.epoch(1)[0])


def test_start_skips_consumed_batches():
    b = EpochBatches(50, 8, seed=1)
    assert all(torch.equal(x, y) for x, y in zip(b.epoch(2, start=3), b.epoch(2)[3:], strict=True))


def test_too_little_data_is_a_clear_error():
    with pytest.raises(ValueError, match="cannot fill one batch"):
        EpochBatches(5, 8, seed=0)
