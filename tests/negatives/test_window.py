"""The temporal exclusion window: exactly the same-sequence pairs within w, never others."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import nt_xent
from contrastkit.negatives import exclusion_mask, within_window


@settings(max_examples=200)
@given(
    data=st.data(),
    n=st.integers(1, 12),
    sequences=st.integers(1, 4),
    window=st.floats(0, 20, allow_nan=False),
)
def test_no_pair_inside_the_window_is_left_a_negative_and_no_other_pair_is_taken(
    data, n, sequences, window
):
    ids = torch.tensor(data.draw(st.lists(st.integers(0, sequences - 1), min_size=n, max_size=n)))
    times = torch.tensor(data.draw(st.lists(st.floats(-50, 50), min_size=n, max_size=n)))
    mask = exclusion_mask(ids, times, window)
    for i in range(n):
        for j in range(n):
            inside = bool(ids[i] == ids[j]) and abs(float(times[i]) - float(times[j])) <= window
            assert bool(mask[i, j]) == inside
    assert torch.equal(mask, mask.t()) and bool(mask.diagonal().all())


def test_integer_frame_numbers_and_a_window_of_zero():
    ids, frames = torch.tensor([0, 0, 0, 1]), torch.tensor([10, 11, 10, 10])
    assert exclusion_mask(ids, frames, 0).tolist() == [
        [True, False, True, False],
        [False, True, False, False],
        [True, False, True, False],
        [False, False, False, True],
    ]
    assert within_window(ids[:1], frames[:1], ids, frames, 1).tolist() == [
        [True, True, True, False]
    ]
    with pytest.raises(ValueError, match="window must be >= 0"):
        exclusion_mask(ids, frames, -1)


def test_samples_outside_the_window_still_push_apart():
    """Gradient flows between two frames of one sequence only when they are w or more apart."""
    z = torch.randn(4, 6, dtype=torch.float64)
    ids, times = torch.zeros(4, dtype=torch.long), torch.tensor([0.0, 1.0, 5.0, 9.0])
    for window, pushed in ((0.5, True), (10.0, False)):
        a = z.clone().requires_grad_(True)
        loss = nt_xent(a, z + 0.1, temperature=0.5, exclude=exclusion_mask(ids, times, window))
        (grad,) = torch.autograd.grad(loss, a)
        # with every pair inside the window, each anchor sees only its positive: no gradient
        assert bool(grad.abs().max() > 1e-8) == pushed
