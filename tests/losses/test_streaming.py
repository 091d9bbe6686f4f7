"""The streaming (tiled) similarity cross-entropy equals the plain kernel in value and
gradient for InfoNCE, NT-Xent and SupCon, with masks, extra negatives, several tiles, and is
chosen by itself above the size threshold."""

from __future__ import annotations

import pytest
import torch

from contrastkit.losses import _softmax_ce, _streaming_ce, info_nce, nt_xent, supcon
from contrastkit.negatives import exclusion_mask


@pytest.fixture(autouse=True)
def small_tiles(monkeypatch):
    monkeypatch.setattr(_streaming_ce, "TILE_ELEMENTS", 50)  # a few rows a tile: many tiles


def _both(fn, dtype, *shapes):
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randn(*s, generator=g, dtype=dtype, requires_grad=True) for s in shapes]
    out = []
    for streaming in (False, True):
        for x in inputs:
            x.grad = None
        loss = fn(*inputs, streaming=streaming)
        loss.backward()
        out.append((loss.detach(), [x.grad.clone() for x in inputs]))
    return out


CASES = {
    "info_nce": (
        lambda a, p, streaming: info_nce(a, p, temperature=0.1, streaming=streaming),
        (9, 5),
        (9, 5),
    ),
    "info_nce_symmetric_negatives_window": (
        lambda a, p, n, streaming: info_nce(
            a,
            p,
            temperature=0.2,
            negatives=n,
            symmetric=True,
            streaming=streaming,
            exclude=exclusion_mask(torch.arange(9) // 3, torch.arange(9), 1.0),
        ),
        (9, 5),
        (9, 5),
        (4, 5),
    ),
    "nt_xent_window": (
        lambda a, b, streaming: nt_xent(
            a,
            b,
            temperature=0.5,
            streaming=streaming,
            exclude=exclusion_mask(torch.arange(8) // 4, torch.arange(8), 2.0),
        ),
        (8, 6),
        (8, 6),
    ),
    "supcon": (
        lambda z, streaming: supcon(
            z, torch.tensor([0, 0, 1, 1, 2, 3, 3, 3, 4, 0]), temperature=0.1, streaming=streaming
        ),
        (10, 4),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_equals_the_plain_loss_in_value_and_gradient(name, dtype, tol):
    fn, *shapes = CASES[name]
    (plain, plain_grads), (tiled, tiled_grads) = _both(fn, dtype, *shapes)
    assert torch.allclose(plain, tiled, atol=tol, rtol=0)
    for g_plain, g_tiled in zip(plain_grads, tiled_grads, strict=True):
        assert torch.allclose(g_plain, g_tiled, atol=tol, rtol=0)


def test_supcon_without_any_positive_is_zero_with_a_zero_gradient():
    z = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    loss = supcon(z, torch.arange(4), streaming=True)
    loss.backward()
    assert loss.item() == 0 and z.grad.abs().sum() == 0


def test_gradcheck():
    a = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, y: nt_xent(x, y, temperature=0.3, streaming=True), (a, b)
    )


def test_the_kernel_streams_by_itself_above_the_threshold(monkeypatch):
    calls = []
    real = _softmax_ce.streaming_cross_entropy
    monkeypatch.setattr(
        _softmax_ce, "streaming_cross_entropy", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    a, p = torch.randn(8, 4), torch.randn(8, 4)
    info_nce(a, p)
    assert calls == []  # 64 logits: the plain kernel
    monkeypatch.setattr(_softmax_ce, "STREAMING_ABOVE", 63)
    info_nce(a, p)
    assert calls == [1]
