"""Temporal retrieval against a brute-force loop."""

from __future__ import annotations

import torch

from contrastkit.evaluation import temporal_retrieval


def reference(q, qi, qt, d, di, dt, within) -> float:
    hits = 0
    for i in range(len(q)):
        sims = [float(torch.cosine_similarity(q[i], d[j], dim=0)) for j in range(len(d))]
        best = max(range(len(d)), key=lambda j: (sims[j], -j))
        hits += int(di[best] == qi[i] and abs(int(dt[best]) - int(qt[i])) <= within)
    return hits / len(q)


def test_equals_a_loop_over_queries_and_database():
    g = torch.Generator().manual_seed(0)
    for within in (0, 2, 5):
        q, d = torch.randn(30, 6, generator=g), torch.randn(50, 6, generator=g)
        qi, di = torch.randint(0, 2, (30,), generator=g), torch.randint(0, 2, (50,), generator=g)
        qt, dt = torch.randint(0, 20, (30,), generator=g), torch.randint(0, 20, (50,), generator=g)
        got = temporal_retrieval(q, qi, qt, d, di, dt, within=within, chunk=7)
        assert got == reference(q, qi, qt, d, di, dt, within)


def test_a_smooth_trajectory_is_retrieved_and_a_collapsed_one_is_not():
    t = torch.arange(100).float()
    path = torch.stack([torch.cos(t / 30), torch.sin(t / 30)], dim=1)
    held, train = t.long() % 5 == 2, t.long() % 5 != 2
    ids = torch.zeros(100, dtype=torch.long)
    args = (ids[held], t[held], path[train], ids[train], t[train])
    assert temporal_retrieval(path[held], *args, within=1) == 1.0
    collapsed = torch.ones(100, 2)  # one point: every query retrieves the first frame, t = 0
    queries, database = collapsed[held], collapsed[train]
    assert temporal_retrieval(queries, *args[:2], database, *args[3:], within=1) == 0.0
    assert temporal_retrieval(queries, *args[:2], database, *args[3:], within=2) == 1 / 20
