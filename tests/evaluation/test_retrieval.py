"""Retrieval metrics (evaluation/retrieval.py): hand-computed rankings, a per-query loop
reference, the equivalent input forms, chunking, ties, rejections."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.evaluation import RetrievalMetrics, retrieval_metrics


def metrics_ref(
    scores: torch.Tensor, relevant: list[set[int]], ks: tuple[int, ...], cutoff: int
) -> dict[str, float]:
    """Query by query from the BEIR definitions (ranking ties: lower document index first)."""
    totals = {"mrr": 0.0, "ndcg": 0.0, **{f"recall@{k}": 0.0 for k in ks}}
    for row, rel in zip(scores.tolist(), relevant, strict=True):
        ranking = sorted(range(len(row)), key=lambda d: (-row[d], d))
        first = next((i + 1 for i, d in enumerate(ranking[:cutoff]) if d in rel), None)
        totals["mrr"] += 0.0 if first is None else 1.0 / first
        dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranking[:cutoff]) if d in rel)
        idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), cutoff)))
        totals["ndcg"] += dcg / idcg
        for k in ks:
            totals[f"recall@{k}"] += len(rel & set(ranking[:k])) / len(rel)
    return {name: value / len(relevant) for name, value in totals.items()}


def ranking_scores(*rankings: list[int], num_docs: int) -> torch.Tensor:
    """A (Q, N) score matrix under which query q ranks its docs in the order ``rankings[q]``
    (unlisted docs come after, by index)."""
    scores = torch.zeros(len(rankings), num_docs)
    for q, ranking in enumerate(rankings):
        for position, doc in enumerate(ranking):
            scores[q, doc] = float(num_docs - position)
    return scores


# --- hand-computed rankings -------------------------------------------------------------------


def test_mrr_for_first_hit_at_rank_1_3_and_not_found():
    # 12 docs; query 0 finds its doc at rank 1, query 1 at rank 3, query 2 at rank 11 (> 10)
    scores = ranking_scores(
        [5, 0, 1], [0, 1, 7], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10], num_docs=12
    )
    m = retrieval_metrics(scores, [{5}, {7}, {11}], ks=(1, 3, 10))
    assert m.mrr == pytest.approx((1 + 1 / 3 + 0) / 3)
    # one relevant doc: IDCG = 1, DCG = 1/log2(rank + 1) → 1, 1/log2(4) = 0.5, 0
    assert m.ndcg == pytest.approx((1 + 0.5 + 0) / 3)
    assert m.recall == pytest.approx({1: 1 / 3, 3: 2 / 3, 10: 2 / 3})
    assert m.num_queries == 3
    assert m.cutoff == 10


def test_ndcg_with_two_relevant_documents():
    # relevant {3, 4}. IDCG = 1 + 1/log2(3) ≈ 1.6309.
    idcg = 1 + 1 / math.log2(3)
    cases = [
        ([3, 0, 4], (1 + 1 / math.log2(4)) / idcg),  # ranks 1, 3 → 1.5 / 1.6309 ≈ 0.9197
        ([0, 3, 4], (1 / math.log2(3) + 1 / math.log2(4)) / idcg),  # ranks 2, 3 ≈ 0.6934
        ([4, 3, 0], 1.0),  # ranks 1, 2: ideal
        ([0, 1, 2, 3], (1 / math.log2(5)) / idcg),  # rank 4 only (doc 4 ranked 5th, k = 4)
    ]
    for ranking, want in cases:
        m = retrieval_metrics(ranking_scores(ranking, num_docs=5), [{3, 4}], cutoff=4)
        assert m.ndcg == pytest.approx(want), ranking
    assert cases[0][1] == pytest.approx(0.91972, abs=1e-5)
    assert cases[1][1] == pytest.approx(0.69342, abs=1e-5)


def test_ideal_dcg_is_capped_at_the_cutoff():
    # 12 relevant docs, all ranked first: the ideal list is 10 long, so nDCG@10 = 1
    m = retrieval_metrics(torch.arange(20.0, 0.0, -1.0)[None], [set(range(12))])
    assert m.ndcg == pytest.approx(1.0)
    assert m.mrr == 1.0
    assert m.recall == pytest.approx({1: 1 / 12, 5: 5 / 12, 10: 10 / 12})  # not capped


def test_recall_at_k_with_two_relevant_documents():
    # relevant {1, 2} ranked 2nd and 4th
    scores = ranking_scores([0, 1, 3, 2], num_docs=6)
    m = retrieval_metrics(scores, [{1, 2}], ks=(1, 2, 3, 4, 100))
    assert m.recall == {1: 0.0, 2: 0.5, 3: 0.5, 4: 1.0, 100: 1.0}
    assert m.mrr == 0.5


def test_equal_scores_rank_the_lower_document_first():
    scores = torch.zeros(2, 30)
    m = retrieval_metrics(scores, [{0}, {29}], ks=(1, 30))
    assert m.recall == {1: 0.5, 30: 1.0}
    assert m.mrr == pytest.approx(0.5)  # query 0: rank 1; query 1: rank 30 > 10


def test_as_dict():
    m = retrieval_metrics(torch.eye(3), torch.arange(3), ks=(1, 2), cutoff=5)
    assert isinstance(m, RetrievalMetrics)
    assert m.as_dict() == {"mrr@5": 1.0, "ndcg@5": 1.0, "recall@1": 1.0, "recall@2": 1.0}


# --- against the loop reference, input forms, chunking ----------------------------------------


@settings(max_examples=30)
@given(
    q=st.integers(1, 8),
    n=st.integers(1, 25),
    cutoff=st.integers(1, 12),
    ks=st.lists(st.integers(1, 30), min_size=1, max_size=4, unique=True),
    chunk_size=st.integers(1, 5),
    seed=st.integers(0, 2**31),
)
def test_matches_loop_reference(q, n, cutoff, ks, chunk_size, seed):
    gen = torch.Generator().manual_seed(seed)
    scores = torch.randint(0, 4, (q, n), generator=gen).double()  # many ties
    mask = torch.rand(q, n, generator=gen) < 0.3
    mask[torch.arange(q), torch.randint(0, n, (q,), generator=gen)] = True  # ≥ 1 relevant each
    relevant = [set(row.nonzero().flatten().tolist()) for row in mask]
    want = metrics_ref(scores, relevant, tuple(ks), cutoff)
    for form in (relevant, mask, [sorted(r) for r in relevant]):
        got = retrieval_metrics(scores, form, ks=ks, cutoff=cutoff, chunk_size=chunk_size)
        flat = {"mrr": got.mrr, "ndcg": got.ndcg, **{f"recall@{k}": got.recall[k] for k in ks}}
        assert flat == pytest.approx(want)


def test_embeddings_are_scored_by_cosine_similarity():
    queries, docs = torch.randn(20, 8), torch.randn(50, 8) * torch.rand(50, 1)  # varied norms
    relevant = [{int(i), int(i) + 7} for i in torch.randint(0, 40, (20,))]
    cosine = (
        torch.nn.functional.normalize(queries, dim=1)
        @ torch.nn.functional.normalize(docs, dim=1).t()
    )
    from_embeddings = retrieval_metrics((queries, docs), relevant, chunk_size=6)
    from_scores = retrieval_metrics(cosine, relevant)
    assert from_embeddings.as_dict() == pytest.approx(from_scores.as_dict(), abs=1e-12)


def test_one_relevant_doc_per_query_as_a_tensor():
    gen = torch.Generator().manual_seed(0)
    scores = torch.randn(40, 60, generator=gen)
    targets = torch.randint(0, 60, (40,), generator=gen)
    as_sets = retrieval_metrics(scores, [{int(t)} for t in targets])
    assert retrieval_metrics(scores, targets) == as_sets


def test_chunked_equals_unchunked():
    scores = torch.randn(300, 80)
    relevant = [set(torch.randint(0, 80, (3,)).tolist()) for _ in range(300)]
    whole = retrieval_metrics(scores, relevant, ks=(1, 5, 10, 50), chunk_size=1000)
    for chunk_size in (1, 7, 64):
        got = retrieval_metrics(scores, relevant, ks=(1, 5, 10, 50), chunk_size=chunk_size)
        assert got.as_dict() == pytest.approx(whole.as_dict(), abs=1e-12)


def test_perfect_and_reversed_rankings():
    n = 15
    perfect = retrieval_metrics(torch.eye(n), torch.arange(n), ks=(1,))
    assert (perfect.mrr, perfect.ndcg, perfect.recall[1]) == (1.0, 1.0, 1.0)
    # every query's relevant doc scores lowest: ranked last (15th, beyond 10)
    worst = retrieval_metrics(-torch.eye(n), torch.arange(n), ks=(1, 15))
    assert (worst.mrr, worst.ndcg, worst.recall[1], worst.recall[15]) == (0.0, 0.0, 0.0, 1.0)


# --- rejections -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relevant", "kwargs", "match"),
    [
        ([{0}, set()], {}, "query 1 has no relevant document"),
        ([{0}, {5}], {}, r"must be in \[0, 5\)"),
        ([{0}, {-1}], {}, r"must be in \[0, 5\)"),
        ([{0}], {}, "one set per query"),
        (torch.tensor([0.0, 1.0]), {}, "integer tensor"),
        (torch.tensor([[True, False]]), {}, "boolean relevance mask must have shape"),
        (torch.zeros(2, 5, dtype=torch.bool), {}, "query 0 has no relevant"),
        ([{0}, {1}], {"ks": ()}, "at least one k"),
        ([{0}, {1}], {"ks": (1, 0)}, "every k in ks"),
        ([{0}, {1}], {"cutoff": 0}, "cutoff must be"),
        ([{0}, {1}], {"chunk_size": 0}, "chunk_size must be"),
    ],
)
def test_rejections(relevant, kwargs, match):
    with pytest.raises(ValueError, match=match):
        retrieval_metrics(torch.randn(2, 5), relevant, **kwargs)


def test_rejects_bad_scores_and_embeddings():
    with pytest.raises(ValueError, match="NaN"):
        retrieval_metrics(torch.tensor([[0.0, float("nan")]]), [{0}])
    with pytest.raises(ValueError, match="2-D"):
        retrieval_metrics(torch.randn(5), [{0}])
    with pytest.raises(ValueError, match="must match"):
        retrieval_metrics((torch.randn(2, 4), torch.randn(5, 3)), [{0}, {1}])
