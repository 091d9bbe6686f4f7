"""FeatureQueue and nearest_neighbours (nn/queue.py): ring-buffer order, state, look-up."""

from __future__ import annotations

import pytest
import torch

from contrastkit.nn import FeatureQueue, nearest_neighbours


def rows(start: int, n: int, dim: int = 2) -> torch.Tensor:
    """Row i is filled with the value start + i, so positions are easy to read."""
    return torch.arange(start, start + n, dtype=torch.float32)[:, None].expand(n, dim).clone()


def test_negatives_before_full_are_the_pushed_rows_in_order():
    queue = FeatureQueue(size=5, dim=2)
    assert queue.negatives().shape == (0, 2)
    queue.push(rows(0, 2))
    queue.push(rows(2, 1))
    torch.testing.assert_close(queue.negatives(), rows(0, 3))
    assert int(queue.pointer) == 3 and int(queue.filled) == 3


def test_push_wraps_around_and_overwrites_the_oldest():
    queue = FeatureQueue(size=5, dim=2)
    queue.push(rows(0, 4))
    queue.push(rows(4, 3))  # rows 4, 5 fill slot 4 and wrap to slot 0, row 6 to slot 1
    assert int(queue.pointer) == 2 and int(queue.filled) == 5
    torch.testing.assert_close(queue.features[:, 0], torch.tensor([5.0, 6, 2, 3, 4]))
    assert set(queue.negatives()[:, 0].tolist()) == {2.0, 3, 4, 5, 6}  # the newest 5


def test_a_push_larger_than_the_queue_keeps_the_newest_rows():
    queue = FeatureQueue(size=3, dim=2)
    queue.push(rows(0, 1))
    queue.push(rows(10, 7))
    assert sorted(queue.negatives()[:, 0].tolist()) == [14.0, 15, 16]
    assert int(queue.filled) == 3


def test_negatives_is_a_detached_snapshot():
    queue = FeatureQueue(size=4, dim=2)
    keys = torch.randn(2, 2, requires_grad=True)
    queue.push(keys * 2)
    snapshot = queue.negatives()
    assert not snapshot.requires_grad
    queue.push(rows(7, 2))
    torch.testing.assert_close(snapshot, (keys * 2).detach())  # the push did not change it


def test_state_dict_round_trip_restores_rows_pointer_and_fill():
    queue = FeatureQueue(size=4, dim=3)
    queue.push(torch.randn(6, 3))
    state = queue.state_dict()
    assert set(state) == {"features", "pointer", "filled"}
    fresh = FeatureQueue(size=4, dim=3)
    fresh.load_state_dict(state)
    torch.testing.assert_close(fresh.negatives(), queue.negatives())
    assert int(fresh.pointer) == 2 and int(fresh.filled) == 4
    fresh.push(torch.ones(1, 3))
    queue.push(torch.ones(1, 3))
    torch.testing.assert_close(fresh.features, queue.features)


def test_rows_follow_the_module_dtype_and_keys_are_cast():
    queue = FeatureQueue(size=3, dim=2).double()
    queue.push(torch.ones(2, 2, dtype=torch.float32))
    assert queue.negatives().dtype == torch.float64
    assert queue.pointer.dtype == torch.long


@pytest.mark.parametrize(("size", "dim"), [(0, 2), (3, 0), (2.5, 2), (True, 2)])
def test_rejects_bad_sizes(size, dim):
    with pytest.raises(ValueError, match="must be a positive integer"):
        FeatureQueue(size, dim)


def test_push_rejects_the_wrong_width():
    with pytest.raises(ValueError, match=r"keys must be \(B, 3\)"):
        FeatureQueue(4, 3).push(torch.zeros(2, 2))


def test_nearest_neighbours_picks_the_most_cosine_similar_row():
    support = torch.tensor([[1.0, 0.0], [0.0, 3.0], [-1.0, -1.0]])
    z = torch.tensor([[5.0, 0.1], [0.2, 0.1], [0.1, 2.0], [-2.0, -1.5]])
    expected = support[[0, 0, 1, 2]]  # by angle, not by length or distance
    torch.testing.assert_close(nearest_neighbours(z, support), expected)


def test_nearest_neighbours_has_no_gradient_and_rejects_an_empty_support():
    z = torch.randn(3, 4, requires_grad=True)
    assert not nearest_neighbours(z, torch.randn(5, 4)).requires_grad
    with pytest.raises(ValueError, match="non-empty"):
        nearest_neighbours(z, torch.zeros(0, 4))
