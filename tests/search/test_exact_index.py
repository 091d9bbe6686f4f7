"""ExactIndex (search/exact.py) against a float64 numpy brute force: ids and scores, ties by
id across chunk borders, removal, float16 storage, and save/load (memory-mapped too)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from contrastkit.search import ExactIndex, SearchError, open_index
from contrastkit.search import exact as exact_module


def brute_force(rows: np.ndarray, ids: list[str], queries: np.ndarray, k: int, metric: str):
    """Every score in float64, then sorted by (−score, id)."""
    rows, queries = rows.astype(np.float64), queries.astype(np.float64)
    if metric == "cosine":
        rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    scores = queries @ rows.T
    out_ids, out_scores = [], []
    for row in scores:
        order = sorted(range(len(ids)), key=lambda j: (-row[j], ids[j]))[:k]
        out_ids.append([ids[j] for j in order])
        out_scores.append([row[j] for j in order])
    return out_ids, out_scores


@pytest.fixture
def small_chunks(monkeypatch):
    """Score 1,024 rows at a time, so a few thousand rows cross several chunk borders."""
    monkeypatch.setattr(exact_module, "SCORE_BUDGET", 1)


@pytest.mark.parametrize("metric", ["cosine", "dot"])
def test_top_k_equals_a_float64_brute_force(metric, small_chunks):
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((5000, 24)).astype(np.float32)
    ids = [f"doc-{i:05d}" for i in rng.permutation(5000)]
    index = ExactIndex(24, metric=metric)
    for start in range(0, 5000, 1700):  # three blocks of different sizes
        index.add(ids[start : start + 1700], torch.from_numpy(rows[start : start + 1700]))
    queries = rng.standard_normal((7, 24)).astype(np.float32)
    hits = index.search(torch.from_numpy(queries), k=10)
    want_ids, want_scores = brute_force(rows, ids, queries, 10, metric)
    assert hits.ids == want_ids
    np.testing.assert_allclose(hits.scores, want_scores, rtol=0, atol=1e-5)


def test_ties_are_broken_by_id_even_at_the_cut_and_across_chunks(small_chunks):
    rng = np.random.default_rng(1)
    noise = torch.from_numpy(rng.standard_normal((3000, 8)).astype(np.float32)) * 0.01
    index = ExactIndex(8, metric="dot")
    index.add([f"n{i}" for i in range(3000)], noise)  # far below the twins' scores
    twin = torch.ones(1, 8)
    for name in ["e", "b", "d", "a", "c"]:  # five identical vectors in five blocks
        index.add([name], twin)
    assert index.search(twin, k=3).ids == [["a", "b", "c"]]
    assert index.search(twin, k=5).ids == [["a", "b", "c", "d", "e"]]
    assert index.search(twin, k=5).scores == [[8.0] * 5]


def test_removed_ids_never_come_back_and_an_id_can_be_added_again():
    index = ExactIndex(4)
    vectors = torch.eye(4)
    index.add(["a", "b", "c", "d"], vectors)
    assert index.remove(["b", "zzz", "b"]) == 1 and len(index) == 3 and "b" not in index
    assert index.search(vectors[1], k=4).ids == [["a", "c", "d"]]  # only three live
    index.add(["b"], vectors[1:2] * 2)
    assert index.search(vectors[1], k=1).ids == [["b"]]


def test_float16_storage_finds_the_same_neighbours():
    rng = np.random.default_rng(2)
    rows = torch.from_numpy(rng.standard_normal((2000, 32)).astype(np.float32))
    ids = [str(i) for i in range(2000)]
    full, half = ExactIndex(32), ExactIndex(32, dtype="float16")
    full.add(ids, rows)
    half.add(ids, rows)
    queries = rows[:20] + 0.1 * torch.randn(20, 32)
    a, b = full.search(queries, k=5), half.search(queries, k=5)
    assert [r[0] for r in a.ids] == [r[0] for r in b.ids] == ids[:20]
    np.testing.assert_allclose(a.scores, b.scores, atol=2e-3)


@pytest.mark.parametrize("mmap", [False, True])
def test_save_and_load_round_trip_without_pickles(tmp_path, mmap):
    rng = np.random.default_rng(3)
    rows = torch.from_numpy(rng.standard_normal((300, 16)).astype(np.float32))
    index = ExactIndex(16, dtype="float16")
    index.add([f"id{i}" for i in range(300)], rows)
    index.remove(["id7", "id8"])
    index.save(tmp_path / "idx", card={"encoder": {"path": "somewhere"}})
    vectors = np.load(tmp_path / "idx" / "vectors.npy", allow_pickle=False)
    assert vectors.shape == (298, 16) and vectors.dtype == np.float16
    card = json.loads((tmp_path / "idx" / "index.json").read_text())
    assert (
        card["kind"] == "exact"
        and card["count"] == 298
        and card["encoder"] == {"path": "somewhere"}
    )
    loaded = ExactIndex.load(tmp_path / "idx", mmap=mmap)
    assert len(loaded) == 298 and "id7" not in loaded and loaded.dtype == "float16"
    assert isinstance(open_index(tmp_path / "idx"), ExactIndex)
    queries = rows[:10]
    assert loaded.search(queries, k=4) == index.search(queries, k=4)
    loaded.add(["new"], rows[7:8])  # a memory-mapped index still takes additions
    assert loaded.search(rows[7], k=1).ids == [["new"]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda i: i.add(["x"], torch.randn(1, 5)), r"must be \(N, 4\)"),
        (lambda i: i.add(["x"], torch.full((1, 4), float("nan"))), "NaN"),
        (lambda i: i.add(["a"], torch.randn(1, 4)), "already in the index"),
        (lambda i: i.add(["x", "x"], torch.randn(2, 4)), "already in the index"),
        (lambda i: i.add(["x"], torch.randn(2, 4)), "2 vectors but 1 ids"),
        (lambda i: i.search(torch.randn(1, 4), k=0), "k must be a positive integer"),
    ],
)
def test_mistakes_are_one_clear_error(call, message):
    index = ExactIndex(4)
    index.add(["a"], torch.randn(1, 4))
    with pytest.raises(SearchError, match=message):
        call(index)
