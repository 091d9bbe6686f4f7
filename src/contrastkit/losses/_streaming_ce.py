"""The similarity cross-entropy computed in tiles of rows, never holding the (M, K) matrix.

For row i with logits l_ij = q_i·k_j / τ over the columns it may see (its ``exclude`` column
and masked non-positive columns removed) and positives P(i),

    loss_i = logsumexp_j l_ij − (1/|P(i)|) Σ_{p ∈ P(i)} l_ip,

summed over the rows that have a positive. InfoNCE and NT-Xent have one positive per row,
the column ``targets[i]`` (``col_key=None``); SupCon's positives are the columns whose
``col_key`` (label) equals the row's ``row_key``.

Forward: each tile of T rows makes its (T, K) logits, keeps only its log-sum-exp and
positive count, and frees them. Backward recomputes each tile's logits and takes
G = (softmax − 1_P / |P|)·[has a positive]·(grad / τ): dq = G k, dk += Gᵀ q. Memory:
O((M + K)·D + T·K) instead of O(M·K); the arithmetic is the plain kernel's plus one matmul
per tile (the recomputation). Every (T, K) pass is done in place in the tile's one buffer.
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

TILE_ELEMENTS = 1 << 22  # logits a tile holds (16 MiB in float32)


def _tile_rows(k: int) -> int:
    return max(1, TILE_ELEMENTS // max(1, k))


class _Tile:
    """One tile's logits with excluded cells at −inf, and where its positives are."""

    def __init__(
        self,
        q: torch.Tensor,
        k: torch.Tensor,
        rows: slice,
        row_key: torch.Tensor,
        col_key: torch.Tensor | None,
        exclude: torch.Tensor | None,
        mask: torch.Tensor | None,
        inv_tau: float,
    ) -> None:
        self.logits = torch.mm(q[rows], k.t()).mul_(inv_tau)  # (T, K)
        self.local = torch.arange(self.logits.shape[0], device=q.device)
        self.targets: torch.Tensor | None
        self.positive: torch.Tensor | None
        if col_key is None:  # one positive: the target column
            self.targets, self.positive = row_key[rows], None
        else:
            self.targets, self.positive = None, row_key[rows, None] == col_key[None, :]
        if exclude is not None:
            self.logits[self.local, exclude[rows]] = float("-inf")
            if self.positive is not None:
                self.positive[self.local, exclude[rows]] = False
        if mask is not None:
            if self.positive is not None:
                self.logits.masked_fill_(mask[rows] & ~self.positive, float("-inf"))
            else:
                kept = self.logits[self.local, self.targets].clone()
                self.logits.masked_fill_(mask[rows], float("-inf"))
                self.logits[self.local, self.targets] = kept

    def counts(self) -> torch.Tensor:
        if self.positive is None:
            return torch.ones_like(self.local)
        return self.positive.sum(dim=1)

    def positive_mean(self, counts: torch.Tensor) -> torch.Tensor:
        if self.positive is None:
            return self.logits[self.local, self.targets].clone()
        return torch.where(self.positive, self.logits, 0.0).sum(dim=1) / counts.clamp(min=1)

    def subtract_positives(self, g: torch.Tensor, counts: torch.Tensor) -> None:
        if self.positive is None:
            g[self.local, self.targets] -= 1.0
        else:
            g -= self.positive / counts.clamp(min=1)[:, None]


def _logsumexp_(logits: torch.Tensor) -> torch.Tensor:
    """Row log-sum-exp, destroying ``logits`` (no second (T, K) buffer)."""
    top = logits.amax(dim=1, keepdim=True)
    return top.squeeze(1) + logits.sub_(top).exp_().sum(dim=1).log()


class _StreamingCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx,
        q: torch.Tensor,  # (M, D)
        k: torch.Tensor,  # (K, D)
        row_key: torch.Tensor,  # (M,): target columns, or labels
        col_key: torch.Tensor | None,  # (K,) labels, or None: one positive per row
        exclude: torch.Tensor | None,  # (M,) long: one column each row never sees
        mask: torch.Tensor | None,  # (M, K) bool: True = not a negative
        inv_tau: float,
    ) -> torch.Tensor:
        m = q.shape[0]
        tile = _tile_rows(k.shape[0])
        lse = q.new_empty(m)
        n_pos = torch.empty(m, dtype=torch.long, device=q.device)
        total = q.new_zeros(())
        for start in range(0, m, tile):
            rows = slice(start, start + tile)
            t = _Tile(q, k, rows, row_key, col_key, exclude, mask, inv_tau)
            count = t.counts()
            positive = t.positive_mean(count)
            lse[rows] = _logsumexp_(t.logits)
            n_pos[rows] = count
            total += torch.where(count > 0, lse[rows] - positive, 0.0).sum()
        ctx.save_for_backward(q, k, row_key, col_key, exclude, mask, lse, n_pos)
        ctx.inv_tau = inv_tau
        return total

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor):
        q, k, row_key, col_key, exclude, mask, lse, n_pos = ctx.saved_tensors
        tile = _tile_rows(k.shape[0])
        dq = torch.zeros_like(q) if ctx.needs_input_grad[0] else None
        dk = torch.zeros_like(k) if ctx.needs_input_grad[1] else None
        scale = grad * ctx.inv_tau
        for start in range(0, q.shape[0], tile):
            rows = slice(start, start + tile)
            t = _Tile(q, k, rows, row_key, col_key, exclude, mask, ctx.inv_tau)
            g = t.logits.sub_(lse[rows, None]).exp_()  # softmax, in the logits buffer
            count = n_pos[rows]
            t.subtract_positives(g, count)
            if col_key is None:
                g.mul_(scale)
            else:
                g.mul_(((count > 0) * scale)[:, None])
            if dq is not None:
                dq[rows] = torch.mm(g, k)
            if dk is not None:
                dk.addmm_(g.t(), q[rows])
        return dq, dk, None, None, None, None, None


def streaming_cross_entropy(
    q: torch.Tensor,
    k: torch.Tensor,
    row_key: torch.Tensor,
    col_key: torch.Tensor | None,
    inv_tau: float,
    exclude: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """The SUM over rows with a positive of the loss above (callers divide by their count).

    Shapes: q (M, D), k (K, D), row_key (M,), col_key (K,) or None, exclude (M,) long or
    None, mask (M, K) bool or None → scalar.
    """
    out: torch.Tensor = _StreamingCrossEntropy.apply(q, k, row_key, col_key, exclude, mask, inv_tau)
    return out
