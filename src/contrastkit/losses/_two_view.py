"""The SimCLR "2N layout" shared by NT-Xent and its debiased/hard-negative variants.

Two views ``z1, z2`` of N samples become 2N anchors; anchor i's positive is its other view and
every other row is a negative. With ``gather_distributed`` the keys are the 2·W·N rows of all
ranks (full gradient) while the anchors stay local, which makes the loss equal to the
single-process loss on the concatenated global batch.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from contrastkit import distributed
from contrastkit.losses._precision import normalize


class TwoViewLayout(NamedTuple):
    q: torch.Tensor  # (2n, D) local anchors, L2-normalised
    k: torch.Tensor  # (2Wn, D) keys from every rank, L2-normalised
    positive: torch.Tensor  # (2n,) column of each anchor's other view
    itself: torch.Tensor  # (2n,) column of the anchor itself (never a negative)


def two_view_layout(z1: torch.Tensor, z2: torch.Tensor, gather_distributed: bool) -> TwoViewLayout:
    n = z1.shape[0]
    z1, z2 = normalize(z1), normalize(z2)  # (n, D) each
    q = torch.cat([z1, z2], dim=0)  # (2n, D)
    if gather_distributed:
        both = distributed.gather_with_grad(torch.stack([z1, z2], dim=1))  # (Wn, 2, D)
        k = torch.cat([both[:, 0], both[:, 1]], dim=0)  # (2Wn, D)
        offset, global_n = distributed.rank() * n, both.shape[0]
    else:
        k, offset, global_n = q, 0, n
    i = torch.arange(n, device=q.device) + offset  # global index of each local sample
    positive = torch.cat([i + global_n, i])
    itself = torch.cat([i, i + global_n])
    return TwoViewLayout(q, k, positive, itself)
