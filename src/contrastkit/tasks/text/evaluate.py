"""Evaluate a text encoder: STS-B correlation and retrieval over held-out pairs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from contrastkit.evaluation import retrieval_metrics, sts_correlation


def sts_score(
    encoder: Any, split: str = "test", *, batch_size: int = 64, progress: bool = False
) -> dict[str, float]:
    """Spearman and Pearson of cosine similarity on STS-B ``split`` (raw, in [−1, 1])."""
    from contrastkit.data.stsb import load_stsb

    pairs = load_stsb(split)  # type: ignore[arg-type]
    u = encoder.encode(pairs.sentences1, batch_size=batch_size, progress=progress)
    v = encoder.encode(pairs.sentences2, batch_size=batch_size, progress=progress)
    result = sts_correlation(u, v, pairs.scores)
    return {f"sts_{split}_spearman": result.spearman, f"sts_{split}_pearson": result.pearson}


def pair_retrieval(
    encoder: Any,
    queries: Sequence[str],
    documents: Sequence[str],
    *,
    batch_size: int = 64,
    progress: bool = False,
) -> dict[str, float]:
    """Each query's own document must rank first among all documents (by cosine).

    Query i's relevant document is document i (title → body of the same article).
    Returns MRR@10, nDCG@10 and Recall@1/5/10.
    """
    q = encoder.encode(queries, batch_size=batch_size, progress=progress)
    d = encoder.encode(documents, batch_size=batch_size, progress=progress)
    return retrieval_metrics((q, d), torch.arange(len(queries))).as_dict()
