"""Excluding (anchor, candidate) pairs from the negatives: info_nce and nt_xent with an
``exclude`` mask equal loop references with those pairs removed (float64, value and
gradients), for any mask, and the kernel keeps the positive whatever the mask says.
(Under 2 gloo processes: tests/test_distributed.py, cases *_window.)"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.losses import InfoNCELoss, NTXentLoss, info_nce, nt_xent
from contrastkit.negatives import exclusion_mask
from reference.losses import masked_info_nce_ref, masked_nt_xent_ref

TOL = {"rtol": 1e-10, "atol": 1e-10}


def _batch(n: int, d: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n, d, generator=g, dtype=torch.float64)
    b = a + 0.7 * torch.randn(n, d, generator=g, dtype=torch.float64)
    mask = torch.rand(n, n, generator=g) < 0.4
    return a, b, mask


def _grads(fn, *tensors: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    leaves = [t.clone().requires_grad_(True) for t in tensors]
    value = fn(*leaves)
    return value.detach(), list(torch.autograd.grad(value, leaves))


@settings(max_examples=25)
@given(n=st.integers(2, 7), d=st.integers(1, 5), seed=st.integers(0, 2**31), sym=st.booleans())
def test_info_nce_with_a_mask_equals_the_loop_reference(n, d, seed, sym):
    a, b, mask = _batch(n, d, seed)
    negatives = (2 * b - a)[: max(1, n // 2)]
    rows = mask.tolist()

    def ours(x, y):
        return info_nce(x, y, temperature=0.3, negatives=negatives, symmetric=sym, exclude=mask)

    def reference(x, y):
        return masked_info_nce_ref(x, y, 0.3, rows, negatives=negatives, symmetric=sym)

    (value, grads), (expected, expected_grads) = _grads(ours, a, b), _grads(reference, a, b)
    torch.testing.assert_close(value, expected, **TOL)
    for g, h in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(g, h, **TOL)


@settings(max_examples=25)
@given(n=st.integers(2, 7), d=st.integers(1, 5), seed=st.integers(0, 2**31))
def test_nt_xent_with_a_mask_equals_the_loop_reference(n, d, seed):
    a, b, mask = _batch(n, d, seed)
    rows = mask.tolist()
    value, grads = _grads(lambda x, y: nt_xent(x, y, temperature=0.2, exclude=mask), a, b)
    expected, expected_grads = _grads(lambda x, y: masked_nt_xent_ref(x, y, 0.2, rows), a, b)
    torch.testing.assert_close(value, expected, **TOL)
    for g, h in zip(grads, expected_grads, strict=True):
        torch.testing.assert_close(g, h, **TOL)


def test_an_empty_mask_changes_nothing_and_the_positive_is_never_excluded():
    a, b, _ = _batch(6, 4, 0)
    none = torch.zeros(6, 6, dtype=torch.bool)
    diagonal = torch.eye(6, dtype=torch.bool)
    for loss in (nt_xent, info_nce):
        plain = loss(a, b, temperature=0.2)
        assert torch.equal(loss(a, b, temperature=0.2, exclude=none), plain)
        assert torch.equal(loss(a, b, temperature=0.2, exclude=diagonal), plain)
    everything = torch.ones(6, 6, dtype=torch.bool)  # only the positive is left: loss 0
    assert float(info_nce(a, b, temperature=0.2, exclude=everything)) == pytest.approx(0, abs=1e-12)


def test_gradcheck_of_the_masked_kernel():
    a, b, mask = _batch(5, 3, 1)
    leaves = (a.requires_grad_(True), b.requires_grad_(True))
    assert torch.autograd.gradcheck(
        lambda x, y: nt_xent(x, y, temperature=0.4, exclude=mask), leaves
    )
    assert torch.autograd.gradcheck(
        lambda x, y: info_nce(x, y, temperature=0.4, symmetric=True, exclude=mask), leaves
    )


def test_module_twins_take_the_mask():
    a, b, mask = _batch(5, 3, 2)
    torch.testing.assert_close(
        NTXentLoss(0.2)(a, b, exclude=mask), nt_xent(a, b, temperature=0.2, exclude=mask)
    )
    torch.testing.assert_close(
        InfoNCELoss(0.2)(a, b, exclude=mask), info_nce(a, b, temperature=0.2, exclude=mask)
    )


def test_a_temporal_window_raises_the_loss_of_near_duplicates_less():
    """Frames of one sequence that are nearly equal: without the window they are each other's
    hardest negatives; with it they are no negatives at all."""
    g = torch.Generator().manual_seed(0)
    base = torch.randn(2, 8, generator=g, dtype=torch.float64)
    frames = base.repeat_interleave(4, dim=0) + 0.01 * torch.randn(
        8, 8, generator=g, dtype=torch.float64
    )
    views = frames + 0.01 * torch.randn(8, 8, generator=g, dtype=torch.float64)
    ids, times = torch.arange(8) // 4, torch.arange(8) % 4
    mask = exclusion_mask(ids, times, window=3)
    windowed = nt_xent(frames, views, temperature=0.1, exclude=mask)
    assert float(windowed) < 0.1 < float(nt_xent(frames, views, temperature=0.1))


@pytest.mark.parametrize(
    "bad",
    [torch.zeros(4, 4), torch.zeros(3, 4, dtype=torch.bool), torch.zeros(4, 5, dtype=torch.bool)],
)
def test_a_mask_of_the_wrong_shape_or_type_is_one_sentence(bad):
    a, b, _ = _batch(4, 3, 0)
    with pytest.raises(ValueError, match="exclude must be a bool mask of shape \\(4, 4\\)"):
        nt_xent(a, b, exclude=bad)
    with pytest.raises(ValueError, match="exclude must be a bool mask"):
        info_nce(a, b, exclude=bad)
