"""Fused cross-entropy over a similarity matrix, the kernel of every InfoNCE-style loss.

    loss = 1/M Σ_i [ logsumexp_{j ∉ E(i)} (q_i·k_j / τ)  −  q_i·k_{t_i} / τ ]

where ``t_i`` is row i's positive column and ``E(i)`` the excluded columns: optionally one per
row (the anchor itself in the SimCLR 2N layout) and any set of (row, column) pairs marked in a
boolean mask (false negatives: a temporal window, a shared label); the positive column is never
excluded. Compared with ``F.cross_entropy(q @ k.T / τ, t)`` it keeps one
(M, K) buffer alive instead of three: the forward pass turns the logits into probabilities in
place and saves them, and the backward pass is two matmuls with ``G = (P − onehot) / (M τ)``:

    dL/dq = G k,    dL/dk = Gᵀ q.

Max-subtracted log-sum-exp, so any τ > 0 is stable. Inputs must already be float32/float64.

Above ``STREAMING_ABOVE`` logits (or with ``streaming=True``) the same loss runs in tiles of
rows (``_streaming_ce.py``): memory O((M + K)·D + tile·K) instead of O(M·K).
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from contrastkit.losses._streaming_ce import streaming_cross_entropy

STREAMING_ABOVE = 1 << 26  # M·K logits (256 MiB in float32) above which the loss streams


class _SimilarityCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx,
        q: torch.Tensor,  # (M, D)
        k: torch.Tensor,  # (K, D)
        targets: torch.Tensor,  # (M,) long
        exclude: torch.Tensor | None,  # (M,) long or None
        mask: torch.Tensor | None,  # (M, K) bool or None: True = not a negative
        inv_tau: float,
    ) -> torch.Tensor:
        rows = torch.arange(q.shape[0], device=q.device)
        logits = torch.mm(q, k.t()).mul_(inv_tau)  # (M, K)
        if exclude is not None:
            logits[rows, exclude] = float("-inf")
        if mask is not None:
            positive = logits[rows, targets].clone()
            logits.masked_fill_(mask, float("-inf"))
            logits[rows, targets] = positive  # the positive stays whatever the mask says
        positive = logits[rows, targets].clone()  # (M,)
        top = logits.amax(dim=1, keepdim=True)  # (M, 1)
        probs = logits.sub_(top).exp_()  # logits buffer reused: (M, K)
        total = probs.sum(dim=1, keepdim=True)  # (M, 1)
        lse = top.squeeze(1) + total.squeeze(1).log()  # (M,)
        probs.div_(total)
        ctx.save_for_backward(q, k, probs, targets)
        ctx.inv_tau = inv_tau
        return (lse - positive).mean()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor):
        q, k, probs, targets = ctx.saved_tensors
        rows = torch.arange(q.shape[0], device=q.device)
        scale = grad * ctx.inv_tau / q.shape[0]
        g = probs * scale  # (M, K); a new buffer so the graph can be replayed (gradcheck)
        g[rows, targets] -= scale
        dq = torch.mm(g, k) if ctx.needs_input_grad[0] else None  # (M, D)
        dk = torch.mm(g.t(), q) if ctx.needs_input_grad[1] else None  # (K, D)
        return dq, dk, None, None, None, None


def similarity_cross_entropy(
    q: torch.Tensor,
    k: torch.Tensor,
    targets: torch.Tensor,
    temperature: float | torch.Tensor,
    exclude: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
    streaming: bool | None = None,
) -> torch.Tensor:
    """Mean cross-entropy of rows of ``q @ k.T / temperature`` against column ``targets``.

    A 0-d tensor ``temperature`` (a learnable τ) scales ``q`` before the kernel, so autograd
    carries dL/dτ = −(1/τ) Σ_ij G_ij (q_i·k_j) (G as above) back to it; the kernel then runs
    with 1/τ = 1.

    ``mask[i, j]`` True leaves column j out of row i's negatives (row i's positive is kept).

    ``streaming``: compute in tiles of rows without the (M, K) matrix (same value and
    gradient); None chooses it when M·K exceeds ``STREAMING_ABOVE``.

    Shapes: q (M, D), k (K, D), targets (M,), exclude (M,) or None, mask (M, K) bool or None,
    temperature () → scalar.
    """
    if mask is not None and (mask.dtype != torch.bool or mask.shape != (q.shape[0], k.shape[0])):
        raise ValueError(
            f"the exclusion mask must be bool ({q.shape[0]}, {k.shape[0]}), got "
            f"{mask.dtype} {tuple(mask.shape)}"
        )
    if isinstance(temperature, torch.Tensor):
        q, inv_tau = q / temperature.to(q.dtype), 1.0  # (M, D)
    else:
        inv_tau = 1.0 / temperature
    if streaming is None:
        streaming = q.shape[0] * k.shape[0] > STREAMING_ABOVE
    if streaming:
        total = streaming_cross_entropy(q, k, targets, None, inv_tau, exclude, mask)
        return total / q.shape[0]
    out: torch.Tensor = _SimilarityCrossEntropy.apply(q, k, targets, exclude, mask, inv_tau)
    return out
