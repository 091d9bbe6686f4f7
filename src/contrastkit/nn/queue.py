"""A first-in-first-out queue of feature rows: MoCo's dictionary of keys, NNCLR's support set.

The queue is explicit: the method calls :meth:`FeatureQueue.push` when it means to enqueue
and :meth:`FeatureQueue.negatives` when it reads the rows (lightly's memory bank updates
itself inside ``forward`` iff gradients are on; we keep that side effect visible). Its rows,
write pointer and fill count are persistent buffers, so they travel in ``state_dict`` and
therefore in every checkpoint, and a resumed run continues with the same queue.

:func:`nearest_neighbours` lives here rather than in ``losses/`` because it is a query of the
queue's rows, not a loss: NNCLR looks up the neighbour, then hands it to an ordinary
``info_nce``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from contrastkit import distributed


class FeatureQueue(nn.Module):
    """The newest ``size`` rows pushed, overwriting the oldest once full (a ring buffer).

    Under DDP every rank pushes the keys gathered from all ranks (``distributed.gather``, no
    gradient), in rank order, so every rank holds the same queue (MoCo, He et al. 2020,
    Algorithm 1 and the authors' ``_dequeue_and_enqueue``). DDP's buffer broadcast from rank 0
    therefore changes nothing.

    Args:
        size: K, the number of rows kept (MoCo: 65,536; NNCLR: 98,304).
        dim: D, the width of a row.

    Buffers: features (K, D), pointer () long — the next row written, filled () long — how
    many rows hold pushed data (≤ K).

    Example:
        >>> queue = FeatureQueue(size=4, dim=2)
        >>> queue.push(torch.ones(3, 2)); queue.push(torch.zeros(3, 2))
        >>> queue.negatives().shape, int(queue.pointer)
        (torch.Size([4, 2]), 2)
    """

    features: torch.Tensor
    pointer: torch.Tensor
    filled: torch.Tensor

    def __init__(self, size: int, dim: int) -> None:
        super().__init__()
        for name, value in (("size", size), ("dim", dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        self.size, self.dim = size, dim
        self.register_buffer("features", torch.zeros(size, dim))
        self.register_buffer("pointer", torch.zeros((), dtype=torch.long))
        self.register_buffer("filled", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def push(self, keys: torch.Tensor) -> None:
        """Enqueue ``keys`` (gathered from every rank under DDP), wrapping around at K.

        Shapes: keys (B, D); B may exceed K, then only the newest K rows are kept.
        """
        if keys.dim() != 2 or keys.shape[1] != self.dim:
            raise ValueError(f"keys must be (B, {self.dim}), got {tuple(keys.shape)}.")
        keys = distributed.gather(keys.detach())  # (W·B, D)
        n = keys.shape[0]
        kept = min(n, self.size)  # of more than K rows only the newest K survive
        offsets = torch.arange(n - kept, n, device=self.pointer.device)  # (kept,)
        self.features[(self.pointer + offsets) % self.size] = keys[n - kept :].to(self.features)
        self.pointer.copy_((self.pointer + n) % self.size)
        self.filled.copy_((self.filled + n).clamp(max=self.size))

    def negatives(self) -> torch.Tensor:
        """A detached copy of the filled rows, oldest-first until the queue first wraps.

        A copy, so the next :meth:`push` cannot change a tensor the autograd graph of this
        step may still hold. Shapes: () → (filled, D); (0, D) before the first push.
        """
        return self.features[: int(self.filled)].detach().clone()

    def share(self) -> torch.Tensor:
        """This rank's part of :meth:`negatives` (all of it on one process). The ranks' parts
        split the rows once, so a computation that gathers over ranks (SwAV's Sinkhorn)
        counts every queued row once. Shapes: () → (≈ filled / world size, D)."""
        return self.negatives().tensor_split(distributed.world_size())[distributed.rank()]

    def extra_repr(self) -> str:
        return f"size={self.size}, dim={self.dim}"


@torch.no_grad()
def nearest_neighbours(z: torch.Tensor, support: torch.Tensor) -> torch.Tensor:
    r"""Each row's nearest neighbour in ``support`` by cosine similarity, without gradient.

    :math:`\mathrm{NN}(z_i, Q) = \arg\min_{q \in Q} \lVert \hat z_i - \hat q \rVert_2`, the
    row of Q most similar to :math:`z_i` (NNCLR, Dwibedi et al. 2021,
    https://arxiv.org/abs/2104.14548, Eq. 2). The rows are returned as stored in ``support``.

    Shapes: z (N, D), support (M, D), M ≥ 1 → (N, D).
    """
    if support.dim() != 2 or support.shape[0] == 0 or support.shape[1] != z.shape[-1]:
        raise ValueError(
            f"support must be a non-empty (M, {z.shape[-1]}) tensor, got {tuple(support.shape)}."
        )
    dtype = torch.promote_types(z.dtype, torch.float32)  # half precision only upcast
    similarity = F.normalize(z.to(dtype), dim=1) @ F.normalize(support.to(dtype), dim=1).T
    return support[similarity.argmax(dim=1)]  # similarity (N, M) → (N, D)
