"""The loop's finiteness guard: what went non-finite in a step, agreed by every rank.

Checked each step, before the optimiser moves anything: the loss (and a loss's refusal of
non-finite embeddings), then the gradients; before every checkpoint: every parameter and
buffer (BatchNorm statistics, queues, EMA targets), so no checkpoint can ever hold an
``inf``. (A parameter that overflows between checkpoints makes the next loss non-finite, so
it is caught at that step; a buffer that does, at the next checkpoint.) Each check is a sum
per tensor and one device sync for them all: NaN and inf survive a sum (a sum could only
overflow on values of ~1e38, long past divergence). On the small CNN's SimCLR step (2.5 M
parameters) the gradient check takes 0.3 ms of a ~170 ms step; a fused max-abs took 3.7. With
``on_nonfinite=skip`` the buffers a forward changes (BatchNorm statistics, queues, centres)
are snapshotted before it and put back for a skipped batch.
"""

from __future__ import annotations

import torch
from torch import nn

from contrastkit import distributed


def agree(problem: str | None, device: torch.device) -> str | None:
    """``problem`` where any rank has one (every rank then takes the same branch)."""
    if not distributed.is_distributed():
        return problem
    flag = distributed.all_reduce_max(torch.tensor([float(problem is not None)], device=device))
    if problem is None and bool(flag.item()):
        return "another rank's step became non-finite"
    return problem


def nonfinite_gradients(method: nn.Module) -> str | None:
    """The first parameter whose gradient holds NaN or inf, as a sentence; None if all finite."""
    name = _first_nonfinite(
        [(n, p.grad) for n, p in method.named_parameters() if p.grad is not None]
    )
    return None if name is None else f"the gradient of {name} became non-finite"


def nonfinite_state(method: nn.Module) -> str | None:
    """The first parameter or buffer holding NaN or inf, as a sentence; None if all finite."""
    name = _first_nonfinite([*method.named_parameters(), *method.named_buffers()])
    return None if name is None else f"{name} became non-finite"


def _first_nonfinite(named: list[tuple[str, torch.Tensor]]) -> str | None:
    """A sum per tensor and one sync for all (see the module docstring); the name only when
    one is bad."""
    tensors = [(n, t.detach()) for n, t in named if t.is_floating_point() and t.numel()]
    if not tensors:
        return None
    finite = torch.isfinite(torch.stack([t.sum(dtype=torch.float32) for _, t in tensors]))
    if bool(finite.all()):
        return None
    return tensors[int((~finite).nonzero()[0, 0])][0]


def buffers_of(method: nn.Module) -> dict[str, torch.Tensor]:
    return {name: b.detach().clone() for name, b in method.named_buffers()}


def restore_buffers(method: nn.Module, saved: dict[str, torch.Tensor] | None) -> None:
    if saved is None:
        return
    with torch.no_grad():
        for name, b in method.named_buffers():
            b.copy_(saved[name])
