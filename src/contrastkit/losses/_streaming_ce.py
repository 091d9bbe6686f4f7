"""The similarity cross-entropy computed in tiles of rows, never holding the (M, K) matrix.

For row i with logits l_ij = q_i·k_j / τ over the columns it may see (its ``exclude`` column
and masked non-positive columns removed) and positives P(i) = {j : col_key_j = row_key_i},

    loss_i = logsumexp_j l_ij − (1/|P(i)|) Σ_{p ∈ P(i)} l_ip,

summed over the rows that have a positive. InfoNCE and NT-Xent are the case
``row_key = targets``, ``col_key = arange(K)`` (one positive each); SupCon is
``row_key = labels``, ``col_key = gathered labels`` (every same-label row).

Forward: each tile of T rows makes its (T, K) logits, keeps only its log-sum-exp (M,) and
positive count, and frees them. Backward recomputes each tile's logits and takes
G = (softmax − 1_P / |P|)·[has a positive]·(grad / τ): dq = G k, dk += Gᵀ q. Memory:
O(M·D + K·D + T·K) instead of O(M·K); the arithmetic is the plain kernel's plus one more
matmul per tile (the recomputation).
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

TILE_ELEMENTS = 1 << 22  # logits a tile holds (16 MiB in float32)


def _tile_rows(k: int) -> int:
    return max(1, TILE_ELEMENTS // max(1, k))


def _tile_logits(
    q: torch.Tensor,
    k: torch.Tensor,
    rows: slice,
    row_key: torch.Tensor,
    col_key: torch.Tensor,
    exclude: torch.Tensor | None,
    mask: torch.Tensor | None,
    inv_tau: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits (T, K) with excluded cells at −inf, positives (T, K) bool) of ``rows``."""
    logits = torch.mm(q[rows], k.t()).mul_(inv_tau)
    positive = row_key[rows, None] == col_key[None, :]
    if exclude is not None:
        local = torch.arange(logits.shape[0], device=q.device)
        logits[local, exclude[rows]] = float("-inf")
        positive[local, exclude[rows]] = False
    if mask is not None:
        logits.masked_fill_(mask[rows] & ~positive, float("-inf"))
    return logits, positive


class _StreamingCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx,
        q: torch.Tensor,  # (M, D)
        k: torch.Tensor,  # (K, D)
        row_key: torch.Tensor,  # (M,)
        col_key: torch.Tensor,  # (K,)
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
            logits, positive = _tile_logits(q, k, rows, row_key, col_key, exclude, mask, inv_tau)
            lse[rows] = logits.logsumexp(dim=1)
            count = positive.sum(dim=1)
            n_pos[rows] = count
            pos_mean = torch.where(positive, logits, 0.0).sum(dim=1) / count.clamp(min=1)
            total += torch.where(count > 0, lse[rows] - pos_mean, 0.0).sum()
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
            logits, positive = _tile_logits(
                q, k, rows, row_key, col_key, exclude, mask, ctx.inv_tau
            )
            g = logits.sub_(lse[rows, None]).exp_()  # softmax, in the logits buffer
            count = n_pos[rows]
            g -= positive / count.clamp(min=1)[:, None]
            g *= ((count > 0) * scale)[:, None]
            if dq is not None:
                dq[rows] = torch.mm(g, k)
            if dk is not None:
                dk += torch.mm(g.t(), q[rows])
        return dq, dk, None, None, None, None, None


def streaming_cross_entropy(
    q: torch.Tensor,
    k: torch.Tensor,
    row_key: torch.Tensor,
    col_key: torch.Tensor,
    inv_tau: float,
    exclude: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """The SUM over rows with a positive of the loss above (callers divide by their count).

    Shapes: q (M, D), k (K, D), row_key (M,), col_key (K,), exclude (M,) long or None,
    mask (M, K) bool or None → scalar.
    """
    out: torch.Tensor = _StreamingCrossEntropy.apply(q, k, row_key, col_key, exclude, mask, inv_tau)
    return out
