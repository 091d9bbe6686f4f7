"""Deterministic top-k (evaluation/_topk.py): equal to a stable descending sort, ties and all."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.evaluation._topk import top_k


@settings(max_examples=60)
@given(
    rows=st.integers(1, 6),
    cols=st.integers(1, 40),
    levels=st.integers(1, 5),
    data=st.data(),
)
def test_equals_stable_sort(rows, cols, levels, data):
    # few distinct values: ties everywhere, also across the k-th place
    k = data.draw(st.integers(1, cols))
    seed = data.draw(st.integers(0, 2**31))
    scores = torch.randint(0, levels, (rows, cols), generator=torch.Generator().manual_seed(seed))
    scores = scores.float()
    values, indices = top_k(scores, k)
    want_values, want_indices = scores.sort(dim=1, descending=True, stable=True)
    assert torch.equal(values, want_values[:, :k])
    assert torch.equal(indices, want_indices[:, :k])


def test_all_equal_row_takes_the_first_columns():
    values, indices = top_k(torch.zeros(2, 100), 5)
    assert indices.tolist() == [[0, 1, 2, 3, 4]] * 2
    assert values.abs().sum() == 0
