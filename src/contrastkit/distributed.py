"""Everything contrastkit does with ``torch.distributed`` lives in this one module.

Each function is the identity (or the obvious constant) when no process group is
initialised, so every other part of the library is correct and testable in one CPU process.
The function name says whether gradients flow:

* :func:`gather` — all-gather along dim 0, **no gradient** (keys for a queue, metrics).
* :func:`gather_with_grad` — all-gather along dim 0 with the **full gradient**: the backward
  pass all-reduces (sums) the incoming gradient over ranks and hands each rank the rows it
  contributed. With DDP's gradient averaging on top this is exactly the gradient of the
  global-batch loss (SimCLR, Chen et al. 2020, Sec. 2.2 "Global BN" / cross-replica
  negatives; the same convention as lightly's ``GatherLayer`` and open_clip's ``gather_features``).

All ranks must pass tensors of the same shape; a mismatch raises ``ValueError`` on every
rank instead of hanging or failing inside the backend.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

__all__ = [
    "all_reduce_max",
    "all_reduce_mean",
    "all_reduce_sum",
    "barrier",
    "gather",
    "gather_others",
    "gather_with_grad",
    "init_from_env",
    "is_distributed",
    "is_main",
    "rank",
    "shutdown",
    "world_size",
]


def is_distributed() -> bool:
    """True when a process group is initialised (launched with ``torchrun``)."""
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's global rank; 0 on one process."""
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    """Number of processes; 1 on one process."""
    return dist.get_world_size() if is_distributed() else 1


def is_main() -> bool:
    """True on the rank that writes checkpoints, logs and reports."""
    return rank() == 0


def barrier() -> None:
    """Wait for every rank; nothing on one process."""
    if is_distributed():
        dist.barrier()


def all_reduce_mean(x: torch.Tensor) -> torch.Tensor:
    """Mean of ``x`` over ranks (no gradient); ``x`` itself on one process."""
    if not is_distributed():
        return x
    y = x.detach().clone()
    dist.all_reduce(y, op=dist.ReduceOp.SUM)
    return y / world_size()


def all_reduce_sum(x: torch.Tensor) -> torch.Tensor:
    """Elementwise sum of ``x`` over ranks (no gradient); ``x`` itself on one process."""
    if not is_distributed():
        return x
    y = x.detach().clone()
    dist.all_reduce(y, op=dist.ReduceOp.SUM)
    return y


def all_reduce_max(x: torch.Tensor) -> torch.Tensor:
    """Elementwise maximum of ``x`` over ranks (no gradient); ``x`` itself on one process."""
    if not is_distributed():
        return x
    y = x.detach().clone()
    dist.all_reduce(y, op=dist.ReduceOp.MAX)
    return y


def _check_same_shape(x: torch.Tensor) -> None:
    shape = torch.tensor(list(x.shape), dtype=torch.long, device=x.device)
    shapes = [torch.empty_like(shape) for _ in range(world_size())]
    dist.all_gather(shapes, shape)
    if any(not torch.equal(s, shape) for s in shapes):
        found = [tuple(s.tolist()) for s in shapes]
        raise ValueError(
            f"gather needs the same shape on every rank, got {found}; "
            "use drop_last=True in the sampler so every rank has a full batch."
        )


def _all_gather(x: torch.Tensor) -> torch.Tensor:
    _check_same_shape(x)
    parts = [torch.empty_like(x) for _ in range(world_size())]
    dist.all_gather(parts, x.contiguous())
    return torch.cat(parts, dim=0)


def gather(x: torch.Tensor) -> torch.Tensor:
    """Concatenate ``x`` from all ranks along dim 0, rank order, without gradient.

    Shapes: ``(B, *)`` on each rank → ``(world_size * B, *)``.
    """
    if not is_distributed():
        return x
    with torch.no_grad():
        return _all_gather(x.detach())


def gather_others(x: torch.Tensor) -> torch.Tensor:
    """The rows of every other rank, in rank order, without gradient (empty on one process).

    Shapes: ``(B, *)`` on each rank → ``((world_size − 1) * B, *)``.
    """
    if not is_distributed():
        return x[:0].detach()
    rows = x.shape[0]
    everyone = gather(x)
    start = rank() * rows
    return torch.cat([everyone[:start], everyone[start + rows :]])


class _GatherWithGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.rows = x.shape[0]
        return _all_gather(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        # Every rank's loss used every rank's rows: sum those gradients, keep our slice.
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        start = rank() * ctx.rows
        return grad[start : start + ctx.rows]


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """Concatenate ``x`` from all ranks along dim 0 with the full gradient.

    Shapes: ``(B, *)`` on each rank → ``(world_size * B, *)``; this rank's rows are
    ``[rank() * B, (rank() + 1) * B)``. Every rank must run backward through the result.
    """
    if not is_distributed():
        return x
    out: torch.Tensor = _GatherWithGrad.apply(x)
    return out


def init_from_env(device_type: str) -> bool:
    """Join the process group ``torchrun`` describes in the environment (``WORLD_SIZE`` > 1).

    Uses NCCL for CUDA and gloo for CPU. Returns True when running distributed. On CUDA
    each process takes the GPU ``LOCAL_RANK``.
    """
    import os

    if is_distributed():
        return True
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    if device_type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group("nccl" if device_type == "cuda" else "gloo")
    return True


def shutdown() -> None:
    """Leave the process group, if any."""
    if is_distributed():
        dist.destroy_process_group()
