"""Weighted kNN (evaluation/knn.py): hand-computed votes on a circle, a brute-force loop
reference, chunking, k clamping, deterministic ties, rejections."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.evaluation import knn_accuracy, knn_predict


def knn_predict_ref(
    train: torch.Tensor, labels: torch.Tensor, queries: torch.Tensor, k: int, tau: float | None
) -> list[int]:
    """Query by query from the definition: cosine, the k most similar (ties: lower index),
    weights exp(s/τ) (or 1), argmax of the class sums (ties: lower class)."""

    def cosine(u: list[float], v: list[float]) -> float:  # plain Python: equal rows, equal sims
        dot = sum(a * b for a, b in zip(u, v, strict=True))
        return dot / math.sqrt(sum(a * a for a in u) * sum(b * b for b in v))

    predictions = []
    for q in queries.tolist():
        sims = [cosine(q, t) for t in train.tolist()]
        nearest = sorted(range(len(sims)), key=lambda i: (-sims[i], i))[:k]
        votes: dict[int, float] = {}
        for i in nearest:
            w = 1.0 if tau is None else math.exp(sims[i] / tau)
            votes[int(labels[i])] = votes.get(int(labels[i]), 0.0) + w
        predictions.append(max(votes, key=lambda c: (votes[c], -c)))
    return predictions


# train points on the unit circle at 0°, 90°, 270°, 180°
CIRCLE = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, -1.0], [-1.0, 0.0]])
CIRCLE_LABELS = torch.tensor([0, 1, 1, 0])


# --- hand-computed cases ----------------------------------------------------------------------


def test_weighting_overturns_the_majority():
    # query at 0°: similarities 1, 0, 0, −1. The 3 nearest are rows 0 (class 0) and 1, 2
    # (class 1). Weighted, class 0 scores e^{1/τ} and class 1 scores 2·e^0 = 2, so class 0
    # wins iff τ < 1/ln 2 ≈ 1.4427; the plain majority says class 1 (2 votes to 1).
    query = torch.tensor([[3.0, 0.0]])  # not unit length: only the direction counts

    def predict(tau):
        return int(knn_predict(CIRCLE, CIRCLE_LABELS, query, k=3, temperature=tau))

    assert predict(0.1) == 0
    assert predict(1.4) == 0
    assert predict(1.5) == 1
    assert predict(None) == 1


def test_the_k_nearest_only_vote():
    # query at 170°: similarities cos 170°, cos 80°, cos 100°, cos 10° → nearest row 3
    # (class 0), then row 1 (class 1, ≈ 0.17); rows 2 (≈ −0.17) and 0 (≈ −0.98) are farther.
    query = torch.tensor([[math.cos(math.radians(170)), math.sin(math.radians(170))]])
    assert int(knn_predict(CIRCLE, CIRCLE_LABELS, query, k=1)) == 0
    assert int(knn_predict(CIRCLE, CIRCLE_LABELS, query, k=2, temperature=None)) == 0  # 1–1 tie
    assert int(knn_predict(CIRCLE, torch.tensor([1, 0, 0, 1]), query, k=2, temperature=None)) == 0


def test_equal_class_scores_go_to_the_lower_class():
    # query at 45°: rows 0 and 1 are exactly equally similar (cos 45°), one per class
    query = torch.tensor([[1.0, 1.0]])
    for labels in (torch.tensor([0, 1, 1, 0]), torch.tensor([1, 0, 0, 1])):
        for tau in (0.1, None):
            assert int(knn_predict(CIRCLE, labels, query, k=2, temperature=tau)) == 0


def test_neighbours_tied_at_the_kth_place_are_taken_by_lower_row_index():
    # 40 copies of one point, labelled 39, 38, …, 0: with k = 1 the first row must vote
    train = torch.tensor([[1.0, 2.0]]).repeat(40, 1)
    labels = torch.arange(39, -1, -1)
    query = torch.tensor([[2.0, 4.0]])
    assert int(knn_predict(train, labels, query, k=1)) == 39
    # k = 3 of 40 tied rows: rows 0, 1, 2 (classes 39, 38, 37) each weigh 1 → lowest class 37
    assert int(knn_predict(train, labels, query, k=3, temperature=None)) == 37


def test_accuracy_on_the_circle():
    queries = torch.tensor([[1.0, 0.1], [0.1, 1.0], [-1.0, 0.1], [0.1, -1.0]])
    assert knn_accuracy(CIRCLE, CIRCLE_LABELS, queries, torch.tensor([0, 1, 0, 1]), k=1) == 1.0
    assert knn_accuracy(CIRCLE, CIRCLE_LABELS, queries, torch.tensor([0, 1, 1, 1]), k=1) == 0.75


# --- against the loop reference ---------------------------------------------------------------


@settings(max_examples=25)
@given(
    n=st.integers(1, 30),
    q=st.integers(1, 12),
    d=st.integers(2, 5),  # d = 1: every cosine is ±1, ties decided by rounding in the reference
    classes=st.integers(1, 5),
    k=st.integers(1, 40),
    tau=st.sampled_from([0.05, 0.1, 0.5, 2.0, None]),
    seed=st.integers(0, 2**31),
)
def test_matches_loop_reference(n, q, d, classes, k, tau, seed):
    gen = torch.Generator().manual_seed(seed)
    train = torch.randn(n, d, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, classes, (n,), generator=gen)
    queries = torch.randn(q, d, generator=gen, dtype=torch.float64)
    got = knn_predict(train, labels, queries, k=k, temperature=tau, chunk_size=5)
    assert got.tolist() == knn_predict_ref(train, labels, queries, k, tau)


def test_matches_loop_reference_with_exact_ties():
    # rows from 6 sign vectors in {±1}^4 times powers of 2: every cosine is a multiple of 1/4,
    # exact in any summation order, so equal rows tie exactly in both implementations.
    # Majority vote only: with weights, a tie between classes would need bit-equal float sums.
    gen = torch.Generator().manual_seed(0)
    directions = torch.randint(0, 2, (6, 4), generator=gen).double() * 2 - 1

    def pick(n):
        return directions[torch.randint(0, 6, (n,), generator=gen)] * 2.0 ** torch.randint(
            -2, 3, (n, 1), generator=gen
        )

    train, queries = pick(50), pick(20)
    labels = torch.randint(0, 4, (50,), generator=gen)
    for k in (1, 3, 8, 20, 50):
        got = knn_predict(train, labels, queries, k=k, temperature=None, chunk_size=7)
        assert got.tolist() == knn_predict_ref(train, labels, queries, k, None), k


def test_chunked_equals_unchunked():
    train, queries = torch.randn(500, 32), torch.randn(257, 32)
    labels = torch.randint(0, 10, (500,))
    whole = knn_predict(train, labels, queries, k=20, chunk_size=10_000)
    for chunk_size in (1, 16, 100, 256):
        assert torch.equal(knn_predict(train, labels, queries, k=20, chunk_size=chunk_size), whole)


def test_k_is_clamped_to_the_train_set():
    train, queries = torch.randn(10, 4), torch.randn(6, 4)
    labels = torch.randint(0, 3, (10,))
    assert torch.equal(
        knn_predict(train, labels, queries, k=1000), knn_predict(train, labels, queries, k=10)
    )


def test_small_temperature_does_not_overflow():
    train, queries = torch.randn(50, 8), torch.randn(10, 8)
    labels = torch.randint(0, 3, (50,))
    nearest = knn_predict(train, labels, queries, k=1)
    assert torch.equal(knn_predict(train, labels, queries, k=50, temperature=1e-4), nearest)


# --- dtypes, shapes and rejections ------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_dtypes(dtype):
    train = torch.randn(30, 8)
    labels = torch.randint(0, 3, (30,))
    got = knn_predict(train.to(dtype), labels, train[:5].to(dtype), k=1)
    assert got.dtype == torch.int64
    assert torch.equal(got, labels[:5])


def test_num_classes_and_empty_queries():
    train, labels = torch.randn(5, 3), torch.tensor([0, 1, 0, 1, 0])
    assert knn_predict(train, labels, torch.empty(0, 3)).shape == (0,)
    assert knn_predict(train, labels, train, k=1, num_classes=7).tolist() == labels.tolist()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 0}, "k must be"),
        ({"temperature": 0.0}, "temperature must be > 0"),
        ({"temperature": -1.0}, "temperature must be > 0"),
        ({"chunk_size": 0}, "chunk_size must be"),
        ({"num_classes": 2}, "num_classes is 2"),
        ({"labels": torch.tensor([0.0, 1.0, 2.0, 1.0])}, "integer tensor"),
        ({"labels": torch.tensor([0, 1, 2])}, r"shape \(4,\)"),
        ({"labels": torch.tensor([0, -1, 2, 1])}, "must be >= 0"),
        ({"train": torch.randn(4)}, "2-D"),
        ({"train": torch.randn(4, 2)}, "must match"),
        ({"train": torch.tensor([[0.0, 1, 2], [1, 1, 1], [float("nan"), 0, 0], [1, 2, 3]])}, "NaN"),
        ({"train": torch.zeros(0, 3), "labels": torch.zeros(0, dtype=torch.long)}, "at least 1"),
    ],
)
def test_rejections(kwargs, match):
    train = kwargs.pop("train", torch.randn(4, 3))
    labels = kwargs.pop("labels", torch.tensor([0, 1, 2, 1]))
    with pytest.raises(ValueError, match=match):
        knn_predict(train, labels, torch.randn(2, 3), **kwargs)


def test_accuracy_rejects_bad_test_labels():
    train, labels = torch.randn(4, 3), torch.tensor([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"test_labels must have shape \(2,\)"):
        knn_accuracy(train, labels, torch.randn(2, 3), torch.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match="test_features needs at least 1"):
        knn_accuracy(train, labels, torch.randn(0, 3), torch.tensor([], dtype=torch.long))
