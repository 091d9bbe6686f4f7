"""Top-k recommendation metrics by full ranking: every item is scored for every test user
(no sampled negatives), the user's training items are removed from the ranking, and the one
held-out item's rank gives Recall@k (hit or not) and NDCG@k (1 / log2(rank + 1))."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class RankingScores:
    recall: float
    ndcg: float
    users: int


def held_out_ranks(
    scores: torch.Tensor, held_out: torch.Tensor, seen: torch.Tensor
) -> torch.Tensor:
    """1-based rank of each user's held-out item among the items they have not seen; ties
    count against the held-out item (an item scored equal ranks above it), so a constant
    scorer gets no credit.

    Shapes: scores (U, I) float; held_out (U,) item ids; seen (U, I) bool, the training items.
    """
    target = scores.gather(1, held_out.view(-1, 1))
    competing = (scores >= target) & ~seen
    competing.scatter_(1, held_out.view(-1, 1), False)
    return competing.sum(dim=1) + 1


def ranking_scores(ranks: torch.Tensor, k: int = 10) -> RankingScores:
    """Recall@k and NDCG@k from held-out ranks ``(U,)``."""
    hit = ranks <= k
    gain = torch.where(
        hit, 1 / torch.log2(ranks.double() + 1), torch.zeros((), dtype=torch.float64)
    )
    return RankingScores(float(hit.double().mean()), float(gain.mean()), len(ranks))
