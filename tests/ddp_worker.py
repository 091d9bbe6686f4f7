"""One rank of the 2-process gloo equivalence test (launched by test_distributed.py).

Every rank builds the same global batch from a seed, keeps its slice, runs each loss with
``gather_distributed=True`` and saves the loss and the gradients of its own rows.
"""

from __future__ import annotations

import os
import sys

import torch
import torch.distributed as dist

from contrastkit import distributed
from contrastkit.losses import (
    SwAVLoss,
    barlow_twins_loss,
    debiased_info_nce,
    hard_negative_info_nce,
    info_nce,
    nt_xent,
    sinkhorn,
    supcon,
    swav_loss,
    vicreg_loss,
)
from contrastkit.negatives import exclusion_mask
from contrastkit.nn.queue import FeatureQueue

CASES = {
    "nt_xent": lambda a, b, y: nt_xent(a, b, temperature=0.2, gather_distributed=True),
    "info_nce": lambda a, b, y: info_nce(a, b, temperature=0.1, gather_distributed=True),
    "info_nce_negatives_symmetric": lambda a, b, y: info_nce(
        a, b, temperature=0.1, negatives=2 * b - a, symmetric=True, gather_distributed=True
    ),
    "supcon": lambda a, b, y: supcon(
        torch.cat([a, b]), torch.cat([y, y]), temperature=0.1, gather_distributed=True
    ),
    "debiased_info_nce": lambda a, b, y: debiased_info_nce(
        a, b, temperature=0.5, tau_plus=0.1, gather_distributed=True
    ),
    "hard_negative_info_nce": lambda a, b, y: hard_negative_info_nce(
        a, b, temperature=0.5, tau_plus=0.1, beta=1.0, gather_distributed=True
    ),
    # codes from Sinkhorn over the global batch; the loss itself is per rank
    "swav": lambda a, b, y: swav_loss(
        [a, b],
        [
            sinkhorn(a, 3, 0.5, gather_distributed=True),
            sinkhorn(b, 3, 0.5, gather_distributed=True),
        ],
        temperature=0.1,
    ),
    "swav_queued": lambda a, b, y: _swav_queued(a, b),
    "barlow_twins": lambda a, b, y: barlow_twins_loss(
        a, b, lambda_offdiag=0.1, gather_distributed=True
    ),
    "vicreg": lambda a, b, y: vicreg_loss(a, b, gather_distributed=True),
    # y as sequence ids, the global row index as time, a window of 2: the mask is built from
    # gathered ids and times on each rank
    "nt_xent_window": lambda a, b, y: nt_xent(
        a, b, temperature=0.2, gather_distributed=True, exclude=_window(y)
    ),
    "info_nce_window_symmetric": lambda a, b, y: info_nce(
        a,
        b,
        temperature=0.1,
        negatives=2 * b - a,
        symmetric=True,
        gather_distributed=True,
        exclude=_window(y),
    ),
    # the same losses in tiles of rows (streaming), the keys gathered with their gradient
    "nt_xent_window_streaming": lambda a, b, y: nt_xent(
        a, b, temperature=0.2, gather_distributed=True, exclude=_window(y), streaming=True
    ),
    "info_nce_negatives_symmetric_streaming": lambda a, b, y: info_nce(
        a,
        b,
        temperature=0.1,
        negatives=2 * b - a,
        symmetric=True,
        gather_distributed=True,
        streaming=True,
    ),
    "supcon_streaming": lambda a, b, y: supcon(
        torch.cat([a, b]),
        torch.cat([y, y]),
        temperature=0.1,
        gather_distributed=True,
        streaming=True,
    ),
}


def _window(ids: torch.Tensor) -> torch.Tensor:
    times = distributed.rank() * len(ids) + torch.arange(len(ids))  # global row = time
    return exclusion_mask(ids, times, 2, gather_distributed=True)


def _swav_queued(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """SwAV with a queue: every rank pushes its rows (the queue gathers them) and hands
    Sinkhorn its share; one process pushes the global batch and hands all of it."""
    queues = [
        FeatureQueue(size=len(a) * distributed.world_size(), dim=a.shape[1]) for _ in range(2)
    ]
    for queue, x in zip(queues, (a, b), strict=True):
        queue.double().push(0.5 * x.detach().flip(1))  # earlier "scores": other rows than x
    loss = SwAVLoss(0.1, 3, 0.5, gather_distributed=True)
    return loss(a, b, queued=[queue.share() for queue in queues])


def global_batch(n_global: int, dim: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1234)
    a = torch.randn(n_global, dim, generator=g, dtype=torch.float64)
    b = a + 0.5 * torch.randn(n_global, dim, generator=g, dtype=torch.float64)
    y = torch.randint(0, 3, (n_global,), generator=g)
    return a, b, y


def pushed_queue(a: torch.Tensor, b: torch.Tensor, n_global: int) -> dict[str, torch.Tensor]:
    """A queue of 1.5 global batches after pushing a then b: the second push wraps around."""
    queue = FeatureQueue(size=n_global * 3 // 2, dim=a.shape[1]).double()
    queue.push(a)
    queue.push(b)
    return queue.state_dict()


def main(out_dir: str, n_local: int, dim: int) -> None:
    dist.init_process_group("gloo")
    r, w = distributed.rank(), distributed.world_size()
    a, b, y = global_batch(n_local * w, dim)
    rows = slice(r * n_local, (r + 1) * n_local)
    results = {}
    for name, loss_fn in CASES.items():
        a_r = a[rows].clone().requires_grad_(True)
        b_r = b[rows].clone().requires_grad_(True)
        loss = loss_fn(a_r, b_r, y[rows])
        loss.backward()
        results[name] = {"loss": loss.detach(), "grad_a": a_r.grad, "grad_b": b_r.grad}
    results["gather"] = distributed.gather(a[rows] * (r + 1))
    results["all_reduce_sum"] = distributed.all_reduce_sum(a[rows])
    results["all_reduce_max"] = distributed.all_reduce_max(a[rows])
    results["queue"] = pushed_queue(a[rows], b[rows], n_local * w)
    torch.save(results, os.path.join(out_dir, f"rank{r}.pt"))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
