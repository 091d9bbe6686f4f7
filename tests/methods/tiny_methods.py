"""Tiny float64 methods and the value-and-gradient comparison against a reference loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from contrastkit.nn import MLPBackbone
from contrastkit.types import Views

SIZES = {"projection_hidden": 12, "projection_dim": 6}


def tiny_method(cls: type[nn.Module], **options: Any) -> nn.Module:
    """``cls`` over a 16 → 10 → 8 MLP backbone with 12-wide heads, in float64, train mode."""
    backbone = MLPBackbone(in_features=16, hidden=(10,), dim=8)
    return cls(backbone, **SIZES, **options).double().train()


def tiny_views(batch: int = 6) -> Views:
    return Views(
        torch.randn(batch, 1, 4, 4, dtype=torch.float64),
        torch.randn(batch, 1, 4, 4, dtype=torch.float64),
    )


def trainable(method: nn.Module) -> list[nn.Parameter]:
    return [p for p in method.parameters() if p.requires_grad]


def frozen(method: nn.Module) -> list[nn.Parameter]:
    return [p for p in method.parameters() if not p.requires_grad]


def assert_step_matches_reference(
    method: nn.Module, views: Views, reference: Callable[[], torch.Tensor]
) -> None:
    """The method's loss equals ``reference()`` in value and in the gradient of every
    trainable parameter (≤ 1e-10 in float64). ``reference`` recomputes the networks'
    outputs itself; batch norm in train mode makes that recomputation identical."""
    params = trainable(method)
    loss = method.training_step(views).loss
    ref = reference()
    torch.testing.assert_close(loss, ref, rtol=1e-10, atol=1e-10)
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    ref_grads = torch.autograd.grad(ref, params, allow_unused=True)
    for p, g, r in zip(params, grads, ref_grads, strict=True):
        g = torch.zeros_like(p) if g is None else g
        r = torch.zeros_like(p) if r is None else r
        torch.testing.assert_close(g, r, rtol=1e-10, atol=1e-10)
    assert any(g is not None and g.abs().max() > 1e-6 for g in grads)


def assert_frozen_for(method: nn.Module, part: nn.Parameter, steps: int) -> None:
    """``method.before_optimizer_step`` drops ``part``'s gradient for steps 0 … steps − 1
    only, leaves every other gradient, and AdamW with weight decay then leaves ``part``
    bit-identical while the rest moves."""
    optimizer = torch.optim.AdamW(method.parameters(), lr=0.1, weight_decay=0.5)
    others = [p for p in trainable(method) if p is not part]
    for step in range(steps + 1):
        optimizer.zero_grad(set_to_none=True)
        method.training_step(tiny_views()).loss.backward()
        method.before_optimizer_step(step)
        assert (part.grad is None) is (step < steps)
        assert all(p.grad is not None for p in others)
        before, other_before = part.detach().clone(), others[0].detach().clone()
        optimizer.step()
        assert torch.equal(part, before) is (step < steps)
        assert not torch.equal(others[0], other_before)
