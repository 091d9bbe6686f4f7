"""Compare two implementations in value AND gradient."""

from __future__ import annotations

from collections.abc import Callable

import torch


def value_and_grads(
    fn: Callable[..., torch.Tensor], *inputs: torch.Tensor
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Call ``fn`` on fresh leaf copies of ``inputs``; return the value and d value / d input."""
    leaves = [x.detach().clone().requires_grad_(True) for x in inputs]
    value = fn(*leaves)
    grads = torch.autograd.grad(value, leaves, allow_unused=True)
    grads = [torch.zeros_like(x) if g is None else g for g, x in zip(grads, leaves, strict=True)]
    return value.detach(), grads


def assert_same_value_and_grads(
    fn: Callable[..., torch.Tensor],
    ref: Callable[..., torch.Tensor],
    *inputs: torch.Tensor,
    atol: float = 1e-10,
    rtol: float = 1e-10,
) -> None:
    value, grads = value_and_grads(fn, *inputs)
    ref_value, ref_grads = value_and_grads(ref, *inputs)
    torch.testing.assert_close(value, ref_value, atol=atol, rtol=rtol)
    for i, (g, r) in enumerate(zip(grads, ref_grads, strict=True)):
        torch.testing.assert_close(g, r, atol=atol, rtol=rtol, msg=lambda m, i=i: f"input {i}: {m}")
    # the comparison is vacuous if everything is zero: make sure some gradient flowed, unless
    # the loss is saturated at 0 (the reference may round to ~1e-17 rather than exactly 0)
    assert any(bool(r.abs().max() > 0) for r in ref_grads) or abs(float(ref_value)) <= atol
