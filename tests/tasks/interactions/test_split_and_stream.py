"""Leave-last-out never leaks a test item into training; the stream's positive mask."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.data.interactions import Interactions
from contrastkit.tasks.interactions.split import leave_last_out
from contrastkit.tasks.interactions.stream import PairStream


def random_interactions(seed: int, n: int, users: int, items: int) -> Interactions:
    g = torch.Generator().manual_seed(seed)
    return Interactions(
        torch.randint(0, users, (n,), generator=g),
        torch.randint(0, items, (n,), generator=g),
        torch.randint(0, 5, (n,), generator=g),  # many ties in time
        [str(u) for u in range(users)],
        [str(i) for i in range(items)],
    )


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 60), st.integers(1, 6), st.integers(1, 8))
def test_the_test_item_is_each_users_latest_and_never_in_their_training(seed, n, users, items):
    data = random_interactions(seed, n, users, items)
    split = leave_last_out(data)
    train_pairs = set(
        zip(data.user[split.train].tolist(), data.item[split.train].tolist(), strict=True)
    )
    for u, i in zip(split.test_users.tolist(), split.test_items.tolist(), strict=True):
        assert (u, i) not in train_pairs  # no leak
        rows = (data.user == u).nonzero().squeeze(1).tolist()
        latest = max(rows, key=lambda r: (int(data.time[r]), r))
        assert int(data.item[latest]) == i
        assert any(pu == u for pu, _ in train_pairs)  # a tested user still trains
    tested = set(split.test_users.tolist())
    assert len(tested) == len(split.test_users)  # one test item per user


def test_the_positive_mask_is_every_pair_the_user_trained_with():
    users = torch.tensor([0, 0, 1, 2, 2, 2])
    items = torch.tensor([1, 2, 2, 0, 1, 3])
    stream = PairStream(users, items, 4, batch_size=3, seed=0)
    bu, bi = torch.tensor([0, 1, 2]), torch.tensor([3, 2, 1])
    known = set(zip(users.tolist(), items.tolist(), strict=True))
    expect = torch.tensor([[(int(u), int(i)) in known for i in bi] for u in bu])
    assert torch.equal(stream.is_positive(bu, bi), expect)
