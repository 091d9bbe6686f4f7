"""Hard negatives mined offline through an index: for each (query, positive) pair, the corpus
items the encoder ranks highest that are not the positive.

A candidate whose score comes within ``margin`` of the positive's own score — above
``(1 − margin) × s(query, positive)`` — is skipped as a likely false negative (an unlabelled
second positive); this is sentence-transformers' ``relative_margin``. The positive itself is
recognised by content, not by id, since pairs files and corpora are numbered differently.
The mined rows train the ``pairs`` method: anchor, positive, negative₁ … negativeₙ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from contrastkit.search.open import Searcher


@dataclass(frozen=True)
class Mined:
    """Per pair: the negatives (corpus items, best first) and their scores, and the positive's."""

    negatives: list[list[object]]
    scores: list[list[float]]
    positive_scores: list[float]
    skipped_as_false_negatives: int


def mine_hard_negatives(
    searcher: Searcher,
    queries: Sequence[object],
    positives: Sequence[object],
    *,
    negatives: int = 1,
    margin: float = 0.05,
    candidates: int = 30,
    batch_size: int = 64,
    progress: bool = True,
) -> Mined:
    """Mine ``negatives`` per pair from the top ``candidates`` of the searcher's index (see the
    module docstring). Queries and positives are items the searcher's encoder takes."""
    if searcher.corpus is None:
        raise ValueError("mining needs the index's corpus; open the searcher with corpus=True")
    if not 0 <= margin < 1:
        raise ValueError(f"margin must be in [0, 1), got {margin}")
    if negatives < 1 or candidates < negatives:
        raise ValueError("need negatives >= 1 and candidates >= negatives")
    corpus = searcher.corpus
    position = {i: n for n, i in enumerate(corpus.ids)}
    out, out_scores, pos_scores, skipped = [], [], [], 0
    starts = range(0, len(queries), batch_size)
    for start in tqdm(starts, desc="mining", unit="batch", disable=not progress):
        q = searcher.encoder.encode(list(queries[start : start + batch_size]))
        p = searcher.encoder.encode(list(positives[start : start + batch_size]))
        positive = _similarity(q, p, searcher.card.metric)  # (B,)
        hits = searcher.index.search(q, candidates + 1)
        for row, (ids, scores) in enumerate(zip(hits.ids, hits.scores, strict=True)):
            own, ceiling = positives[start + row], (1 - margin) * float(positive[row])
            chosen, chosen_scores = [], []
            for i, s in zip(ids, scores, strict=True):
                item = corpus.items[position[i]]
                if item == own:
                    continue
                if s > ceiling:
                    skipped += 1
                    continue
                chosen.append(item)
                chosen_scores.append(s)
                if len(chosen) == negatives:
                    break
            out.append(chosen)
            out_scores.append(chosen_scores)
            pos_scores.append(float(positive[row]))
    return Mined(out, out_scores, pos_scores, skipped)


def _similarity(q: torch.Tensor, p: torch.Tensor, metric: str) -> torch.Tensor:
    if metric == "cosine":
        return (F.normalize(q, dim=1) * F.normalize(p, dim=1)).sum(1)
    return (q * p).sum(1)
