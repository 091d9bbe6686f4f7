"""How often each item is sampled, for the logQ correction: counted exactly from the
training data, or estimated while streaming (Yi et al. 2019, Algorithm 2).

The streaming estimator keeps, per hash bucket, the step an item was last seen (A) and a
moving average of the gap between its appearances (B): on seeing item y at step t,
B ← (1 − α)·B + α·(t − A), A ← t. 1/B estimates the probability that y appears in a batch;
only its logarithm up to a constant matters to the softmax. The first sighting of a bucket
initialises B to the gap since step 0 (the expected gap's best guess then).
"""

from __future__ import annotations

import torch
from torch import nn


def exact_log_q(items: torch.Tensor, n_items: int, batch: int) -> torch.Tensor:
    """log P(item appears in a batch of ``batch`` rows drawn uniformly from ``items``), per
    item ``(n_items,)``; items never seen get the log of half a count."""
    counts = torch.bincount(items, minlength=n_items).double().clamp(min=0.5)
    p = counts / len(items)
    return torch.log1p(-torch.exp(batch * torch.log1p(-p.clamp(max=1 - 1e-12)))).float()


class StreamingFrequency(nn.Module):
    """Yi et al.'s estimate of each item's sampling probability from the batches seen.

    Args:
        buckets: hash size H (item y goes to bucket y mod H; H ≥ the number of items: exact).
        alpha: the moving average's step α.
    """

    last_seen: torch.Tensor
    gap: torch.Tensor
    step: torch.Tensor

    def __init__(self, buckets: int, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = alpha
        self.register_buffer("last_seen", torch.zeros(buckets, dtype=torch.float64))
        self.register_buffer("gap", torch.zeros(buckets, dtype=torch.float64))
        self.register_buffer("step", torch.zeros((), dtype=torch.float64))

    @torch.no_grad()
    def update(self, items: torch.Tensor) -> None:
        """Record one batch's items (duplicates within a batch count once)."""
        self.step += 1
        bucket = torch.unique(items % len(self.gap))
        since = self.step - self.last_seen[bucket]
        fresh = self.gap[bucket] == 0
        self.gap[bucket] = torch.where(
            fresh, since, (1 - self.alpha) * self.gap[bucket] + self.alpha * since
        )
        self.last_seen[bucket] = self.step

    def log_q(self, items: torch.Tensor) -> torch.Tensor:
        """log(1 / B) of each item's bucket (items never seen: the log of one in the steps so
        far)."""
        gap = self.gap[items % len(self.gap)]
        gap = torch.where(gap > 0, gap, self.step.clamp(min=1))
        return (-torch.log(gap)).float()
