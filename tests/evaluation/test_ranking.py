"""Full-ranking Recall@k and NDCG@k against a brute-force loop."""

from __future__ import annotations

import math

import torch

from contrastkit.evaluation.ranking import held_out_ranks, ranking_scores


def brute(scores, held, seen, k):
    recall = ndcg = 0.0
    for u in range(len(scores)):
        candidates = [i for i in range(scores.shape[1]) if not seen[u, i] or i == held[u]]
        # ties count against the held-out item: it goes after every equal score
        order = sorted(candidates, key=lambda i: (-float(scores[u, i]), i == held[u]))
        rank = order.index(int(held[u])) + 1
        recall += rank <= k
        ndcg += 1 / math.log2(rank + 1) if rank <= k else 0
    return recall / len(scores), ndcg / len(scores)


def test_equals_brute_force_with_seen_items_and_ties():
    g = torch.Generator().manual_seed(0)
    scores = torch.randint(0, 6, (20, 15), generator=g).float()  # many ties
    held = torch.randint(0, 15, (20,), generator=g)
    seen = torch.rand(20, 15, generator=g) < 0.3
    seen[torch.arange(20), held] = False
    for k in (1, 3, 10):
        got = ranking_scores(held_out_ranks(scores, held, seen), k)
        recall, ndcg = brute(scores, held, seen, k)
        assert abs(got.recall - recall) < 1e-12 and abs(got.ndcg - ndcg) < 1e-12


def test_a_constant_scorer_earns_nothing_and_a_perfect_one_everything():
    held = torch.tensor([2, 0])
    seen = torch.zeros(2, 5, dtype=torch.bool)
    constant = ranking_scores(held_out_ranks(torch.zeros(2, 5), held, seen), 3)
    assert constant.recall == 0 and constant.ndcg == 0
    perfect = torch.zeros(2, 5)
    perfect[torch.arange(2), held] = 1
    best = ranking_scores(held_out_ranks(perfect, held, seen), 1)
    assert best.recall == 1 and best.ndcg == 1
