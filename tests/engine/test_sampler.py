import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.engine.sampler import EpochBatches


def test_ranks_get_disjoint_equal_batches_covering_the_epoch():
    ranks = [EpochBatches(103, 10, seed=0, rank=r, world=2) for r in range(2)]
    assert len(ranks[0]) == 5
    seen = [torch.cat(r.epoch(0)) for r in ranks]
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


def global_batches(n: int, batch: int, world: int, seed: int, epoch: int) -> list[torch.Tensor]:
    """Epoch ``epoch``'s global batches: rank r's j-th batch is every world-th entry."""
    ranks = [
        EpochBatches(n, batch, seed=seed, rank=r, world=world).epoch(epoch) for r in range(world)
    ]
    assert len({len(r) for r in ranks}) == 1  # every rank steps the same number of times
    return [torch.stack(parts, 1).flatten() for parts in zip(*ranks, strict=True)]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(4, 60), batch=st.integers(1, 6), world=st.integers(1, 3),
    epochs=st.integers(1, 6), seed=st.integers(0, 99),
)  # fmt: skip
def test_epochs_lose_no_sample_and_no_batch_holds_one_twice(n, batch, world, epochs, seed):
    if n < batch * world:
        return
    stream = [b for e in range(epochs) for b in global_batches(n, batch, world, seed, e)]
    left = EpochBatches(n, batch, seed=seed, world=world).leftover(epochs - 1)
    assert len(stream) == (epochs * n) // (batch * world)  # every full batch of the stream
    seen = torch.cat([*stream, left]).bincount(minlength=n)
    assert seen.tolist() == [epochs] * n  # each sample once an epoch: none lost, none extra
    assert all(b.unique().numel() == b.numel() for b in stream)  # ranks disjoint, no repeats


def test_the_leftover_opens_the_next_epoch():
    b = EpochBatches(23, 5, seed=4)  # 4 batches an epoch and 3 left over, then 5 and 1 …
    left = b.leftover(0)
    assert len(b.epoch(0)) == 4 and len(left) == 3
    assert torch.equal(b.epoch(1)[0][:3], left)
    assert [len(b.epoch(e)) for e in range(5)] == [4, 5, 4, 5, 5]  # 23 · 5 // 5 = 23 batches


def test_epochs_asked_in_any_order_are_the_same():
    b, fresh = EpochBatches(37, 4, seed=2, rank=1, world=2), EpochBatches
    wanted = [torch.cat(fresh(37, 4, seed=2, rank=1, world=2).epoch(e)) for e in (5, 2, 6)]
    got = [torch.cat(b.epoch(e)) for e in (5, 2, 6)]  # a look back, then on again
    assert all(torch.equal(x, y) for x, y in zip(got, wanted, strict=True))
