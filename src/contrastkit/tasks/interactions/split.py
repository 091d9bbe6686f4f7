"""Leave-last-out: each user's latest interaction is held out for testing."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from contrastkit.data.interactions import Interactions


@dataclass(frozen=True)
class LeaveLastOut:
    """Training rows (indices into the interactions) and, per user with ≥ 2 distinct items,
    the held-out item: ``test_users`` (U,), ``test_items`` (U,)."""

    train: torch.Tensor
    test_users: torch.Tensor
    test_items: torch.Tensor


def leave_last_out(data: Interactions) -> LeaveLastOut:
    """The latest interaction of every user is the test one (ties in time: the later row);
    every row of that user with that item leaves training too, so no test item is ever a
    training item of its user. Users left with no training row are not tested."""
    order = torch.argsort(data.time, stable=True)  # ties keep row order
    rank = torch.empty_like(order)
    rank[order] = torch.arange(len(order))
    latest = torch.full((len(data.users),), -1, dtype=torch.long)
    latest.scatter_reduce_(0, data.user, rank, reduce="amax")
    has = latest >= 0
    held_rows = order[latest[has]]
    users, items = data.user[held_rows], data.item[held_rows]
    n_items = len(data.items)
    held_pairs = users * n_items + items
    keep = ~torch.isin(data.user * n_items + data.item, held_pairs)
    trained_users = torch.zeros(len(data.users), dtype=torch.bool)
    trained_users[data.user[keep]] = True
    tested = trained_users[users]
    return LeaveLastOut(keep.nonzero().squeeze(1), users[tested], items[tested])
