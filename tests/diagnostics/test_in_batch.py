"""in_batch_top1 (diagnostics/in_batch.py): closed forms, invariances, rejections."""

from __future__ import annotations

import pytest
import torch

from contrastkit.diagnostics import in_batch_top1


def test_identical_views_are_always_found():
    x = torch.randn(16, 8)
    assert float(in_batch_top1(x, x * 3.0)) == 1.0  # scale-free: rows are normalised


def test_a_cyclic_shift_is_never_found():
    x = torch.eye(6)
    assert float(in_batch_top1(x, x.roll(1, dims=0))) == 0.0


def test_complete_collapse_ties_to_the_lower_index():
    same = torch.ones(5, 3)  # every similarity equal: argmax picks column 0
    assert float(in_batch_top1(same, same)) == pytest.approx(1 / 5)


def test_invariant_to_permuting_the_pairs():
    x, y = torch.randn(12, 4), torch.randn(12, 4)
    perm = torch.randperm(12)
    assert float(in_batch_top1(x[perm], y[perm])) == pytest.approx(float(in_batch_top1(x, y)))


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        in_batch_top1(torch.randn(4, 3), torch.randn(5, 3))
