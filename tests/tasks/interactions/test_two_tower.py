"""Mined hard negatives: each user's best-scored items they never trained with."""

from __future__ import annotations

import torch

from contrastkit.tasks.interactions.method import TwoTower
from contrastkit.tasks.interactions.model import Tower
from contrastkit.tasks.interactions.stream import PairBatch


def test_mined_items_are_the_highest_scored_unseen_ones():
    torch.manual_seed(0)
    users, items = torch.tensor([0, 0, 1, 1, 1]), torch.tensor([3, 5, 0, 1, 2])
    known = torch.unique(users * 12 + items)
    model = TwoTower(Tower(2, 4), Tower(12, 4), correction="none", hard_negatives=3, known=known)
    u = model.users(torch.tensor([0, 1]))
    mined = model.mine(u, torch.tensor([0, 1]))
    scores = u @ model.items(torch.arange(12)).T
    for row, user in enumerate((0, 1)):
        seen = set(items[users == user].tolist())
        ranked = [i for i in scores[row].argsort(descending=True).tolist() if i not in seen]
        assert mined[row].tolist() == ranked[:3]
    batch = PairBatch(
        torch.tensor([0, 1]), torch.tensor([3, 0]), torch.zeros(2, 2, dtype=torch.bool)
    )
    loss = model.training_step(batch).loss
    loss.backward()  # the mined items' vectors get gradients too
    assert model.items.embedding.weight.grad[mined.flatten()].abs().sum() > 0
