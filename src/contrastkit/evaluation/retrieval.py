"""Retrieval metrics with binary relevance: MRR@k, nDCG@k and Recall@k.

Definitions as in BEIR (Thakur et al. 2021, https://arxiv.org/abs/2104.08663, via
pytrec_eval) and sentence-transformers' ``InformationRetrievalEvaluator``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from contrastkit.evaluation._checks import check_features, check_positive_int, check_same_dim
from contrastkit.evaluation._topk import top_k

Relevance = Sequence[Iterable[int]] | torch.Tensor


@dataclass(frozen=True)
class RetrievalMetrics:
    """Means over queries, each in [0, 1]; see :func:`retrieval_metrics` for the definitions.

    ``mrr`` and ``ndcg`` are MRR@``cutoff`` and nDCG@``cutoff``; ``recall[k]`` is Recall@k.
    """

    mrr: float
    ndcg: float
    recall: dict[int, float]
    cutoff: int
    num_queries: int

    def as_dict(self) -> dict[str, float]:
        """Flat names for logging: ``{"mrr@10": …, "ndcg@10": …, "recall@1": …, …}``."""
        flat = {f"mrr@{self.cutoff}": self.mrr, f"ndcg@{self.cutoff}": self.ndcg}
        flat.update({f"recall@{k}": value for k, value in self.recall.items()})
        return flat


def retrieval_metrics(
    scores: torch.Tensor | tuple[torch.Tensor, torch.Tensor],
    relevant: Relevance,
    *,
    ks: Sequence[int] = (1, 5, 10),
    cutoff: int = 10,
    chunk_size: int = 1024,
) -> RetrievalMetrics:
    r"""Rank every document for every query and score the rankings against the relevant sets.

    Documents are ranked by descending score; equal scores rank the lower document index
    first. For a query with relevant set :math:`R` (:math:`|R| \ge 1`) and
    :math:`\text{rel}_i \in \{0, 1\}` the relevance of the document at rank i (1-based):

    - Recall@k :math:`= |R \cap \text{top}_k| \,/\, |R|` (not capped: with :math:`|R| > k` it
      stays below 1, as in BEIR and sentence-transformers);
    - MRR@k :math:`= 1 / \text{rank of the first relevant document}` if that rank ≤ k, else 0;
    - nDCG@k :math:`= \text{DCG@k} / \text{IDCG@k}` with
      :math:`\text{DCG@k} = \sum_{i=1}^{k} \text{rel}_i / \log_2(i + 1)` and the ideal
      :math:`\text{IDCG@k} = \sum_{i=1}^{\min(|R|, k)} 1 / \log_2(i + 1)`.

    Each is averaged over queries. With fewer than k documents, the top k is all of them.

    Args:
        scores: a ``(Q, N)`` score matrix (higher = more relevant), or a pair
            ``(query_embeddings (Q, D), doc_embeddings (N, D))`` scored by cosine similarity
            (sentence-transformers' default ``cos_sim``; pass a matrix for dot product).
        relevant: for each query the indices of its relevant documents: a list of sets (or
            any iterables) of ints; a ``(Q,)`` integer tensor when each query has exactly one
            (e.g. ``arange(Q)`` for paired data); or a ``(Q, N)`` boolean mask.
        ks: the k of each Recall@k.
        cutoff: the k of MRR@k and nDCG@k (10, as BEIR and MS MARCO report).
        chunk_size: queries per block; memory is about ``chunk_size × N`` scores.

    Raises ValueError for a query with no relevant document (leave such queries out: they
    have no defined recall), out-of-range document indices, or non-finite scores.

    Example:
        >>> q, d = torch.randn(3, 8), torch.randn(5, 8)
        >>> m = retrieval_metrics((q, d), [{0}, {1, 4}, {2}], ks=(1, 3))
        >>> m.as_dict()  # {'mrr@10': …, 'ndcg@10': …, 'recall@1': …, 'recall@3': …}
    """
    ks = tuple(ks)
    if not ks:
        raise ValueError("ks must name at least one k for Recall@k.")
    for k in ks:
        check_positive_int(k, "every k in ks")
    check_positive_int(cutoff, "cutoff")
    check_positive_int(chunk_size, "chunk_size")

    if isinstance(scores, tuple):
        query_emb, doc_emb = scores
        check_features(query_emb, "query embeddings")
        check_features(doc_emb, "doc embeddings")
        check_same_dim(query_emb, doc_emb, ("query embeddings", "doc embeddings"))
        dtype = torch.promote_types(
            torch.promote_types(query_emb.dtype, doc_emb.dtype), torch.float32
        )
        docs = F.normalize(doc_emb.to(query_emb.device, dtype), dim=1)  # (N, D)
        num_queries, num_docs = query_emb.shape[0], docs.shape[0]

        def score_rows(start: int, stop: int) -> torch.Tensor:
            return F.normalize(query_emb[start:stop].to(dtype), dim=1) @ docs.t()  # (C, N)

    else:
        check_features(scores, "scores")
        num_queries, num_docs = scores.shape

        def score_rows(start: int, stop: int) -> torch.Tensor:
            return scores[start:stop]

    relevance = _Relevance.parse(relevant, num_queries, num_docs)
    depth = min(max((*ks, cutoff)), num_docs)
    discount = 1.0 / torch.log2(torch.arange(2, depth + 2, dtype=torch.float64))  # (depth,)
    ideal_dcg = discount.cumsum(0)  # ideal_dcg[j] = IDCG with min(|R|, cutoff) = j + 1

    mrr = ndcg = 0.0
    recall_sum = dict.fromkeys(ks, 0.0)
    for start in range(0, num_queries, chunk_size):
        stop = min(start + chunk_size, num_queries)
        is_relevant = relevance.block(start, stop)  # (C, N) bool
        _, ranked = top_k(score_rows(start, stop), depth)  # (C, depth) doc indices, best first
        hits = is_relevant.to(ranked.device).gather(1, ranked).double().cpu()  # (C, depth), rel_i
        n_relevant = relevance.counts[start:stop].double()  # (C,), |R|

        top = hits[:, :cutoff]  # (C, min(cutoff, depth))
        rank = torch.arange(1, top.shape[1] + 1, dtype=torch.float64)
        mrr += (top / rank).amax(dim=1).sum().item()  # max_i rel_i / i = 1 / first hit's rank
        dcg = top @ discount[: top.shape[1]]  # (C,)
        n_ideal = n_relevant.clamp(max=top.shape[1]).long()
        ndcg += (dcg / ideal_dcg[n_ideal - 1]).sum().item()
        for k in ks:
            recall_sum[k] += (hits[:, :k].sum(dim=1) / n_relevant).sum().item()

    return RetrievalMetrics(
        mrr=mrr / num_queries,
        ndcg=ndcg / num_queries,
        recall={k: total / num_queries for k, total in recall_sum.items()},
        cutoff=cutoff,
        num_queries=num_queries,
    )


@dataclass(frozen=True)
class _Relevance:
    """Relevant sets in compressed-row form: query q's documents are
    ``docs[offsets[q]:offsets[q + 1]]``, served as dense boolean blocks of queries."""

    docs: torch.Tensor  # (total,) document indices, query by query
    counts: torch.Tensor  # (Q,) |R| of each query
    offsets: torch.Tensor  # (Q + 1,)
    num_docs: int

    @classmethod
    def parse(cls, relevant: Relevance, num_queries: int, num_docs: int) -> _Relevance:
        if isinstance(relevant, torch.Tensor) and relevant.dtype == torch.bool:
            if relevant.shape != (num_queries, num_docs):
                raise ValueError(
                    f"a boolean relevance mask must have shape ({num_queries}, {num_docs}), "
                    f"got {tuple(relevant.shape)}."
                )
            docs = relevant.cpu().nonzero()[:, 1]  # row-major: grouped by query
            counts = relevant.cpu().sum(dim=1)
        elif isinstance(relevant, torch.Tensor):
            if relevant.dtype.is_floating_point or relevant.shape != (num_queries,):
                raise ValueError(
                    f"a relevance tensor must be a ({num_queries},) integer tensor (one relevant "
                    f"document per query) or a ({num_queries}, {num_docs}) boolean mask, got "
                    f"{relevant.dtype} of shape {tuple(relevant.shape)}."
                )
            docs = relevant.cpu().long()
            counts = torch.ones(num_queries, dtype=torch.long)
        else:
            if len(relevant) != num_queries:
                raise ValueError(
                    f"relevant must hold one set per query ({num_queries}), got {len(relevant)}."
                )
            sets = [sorted({int(doc) for doc in docs}) for docs in relevant]
            docs = torch.tensor([doc for docs in sets for doc in docs], dtype=torch.long)
            counts = torch.tensor([len(docs) for docs in sets], dtype=torch.long)
        if docs.numel() and (int(docs.min()) < 0 or int(docs.max()) >= num_docs):
            raise ValueError(
                f"relevant document indices must be in [0, {num_docs}), got "
                f"{int(docs.min())}..{int(docs.max())}."
            )
        if num_queries and int(counts.min()) == 0:
            empty = int((counts == 0).nonzero()[0])
            raise ValueError(
                f"query {empty} has no relevant document; leave such queries out of the evaluation."
            )
        offsets = torch.cat([torch.zeros(1, dtype=torch.long), counts.cumsum(0)])
        return cls(docs, counts, offsets, num_docs)

    def block(self, start: int, stop: int) -> torch.Tensor:
        """``(stop − start, N)`` boolean: entry (q, d) says whether doc d is relevant to query q."""
        block = torch.zeros(stop - start, self.num_docs, dtype=torch.bool)
        row = torch.repeat_interleave(torch.arange(stop - start), self.counts[start:stop])
        block[row, self.docs[int(self.offsets[start]) : int(self.offsets[stop])]] = True
        return block
