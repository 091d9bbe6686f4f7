"""A temporal exclusion window: samples close in time within one sequence are not negatives.

A frame at t + 1 is nearly the frame at t; plain InfoNCE pushes it away as a negative (a
false negative). With a window w, candidate j is no negative of anchor i when both come from
the same sequence and |t_i − t_j| ≤ w; samples of other sequences, and far samples of the
same one, stay negatives (TNC's δ, Tonekaboni et al. 2021). w = 0 excludes only the exact
same instant (the anchor's own other views).

The mask is built from sequence ids and times only, never from embeddings, so under
``gather_distributed`` every rank gathers the (cheap, gradient-free) ids and times and builds
the rows of the global mask it needs.
"""

from __future__ import annotations

import torch

from contrastkit import distributed


def within_window(
    ids_a: torch.Tensor,
    times_a: torch.Tensor,
    ids_b: torch.Tensor,
    times_b: torch.Tensor,
    window: float,
) -> torch.Tensor:
    """``(A, B)`` bool: True where a and b share a sequence and lie within ``window`` in time.

    Shapes: ids_a, times_a (A,); ids_b, times_b (B,).
    """
    if window < 0:
        raise ValueError(f"the exclusion window must be >= 0, got {window}")
    same = ids_a.view(-1, 1) == ids_b.view(1, -1)
    near = (times_a.view(-1, 1).double() - times_b.view(1, -1).double()).abs() <= window
    return same & near


def exclusion_mask(
    ids: torch.Tensor, times: torch.Tensor, window: float, *, gather_distributed: bool = False
) -> torch.Tensor:
    """``(N, W·N)`` bool for a batch of samples at ``times`` of sequences ``ids``: row i,
    column j True when global sample j lies within ``window`` of local sample i in the same
    sequence, so it is no negative of i. What ``info_nce(..., exclude=…)`` and
    ``nt_xent(..., exclude=…)`` take; under ``gather_distributed`` the ids and times of every
    rank are gathered (no gradient, no embeddings) in rank order, as the losses gather keys.

    Shapes: ids (N,), times (N,) → (N, W·N).
    """
    if gather_distributed:
        all_ids, all_times = distributed.gather(ids), distributed.gather(times)
    else:
        all_ids, all_times = ids, times
    return within_window(ids, times, all_ids, all_times, window)
