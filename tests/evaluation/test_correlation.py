"""Correlations (evaluation/correlation.py): hand-computed values, numpy-only references,
ties, invariances, the STS score, rejections."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from contrastkit.evaluation import StsResult, pearson, spearman, sts_correlation
from contrastkit.evaluation.correlation import average_ranks


def ranks_ref(x: np.ndarray) -> np.ndarray:
    """Average 1-based ranks by counting: below + (equal + 1) / 2."""
    return np.array([(x < v).sum() + ((x == v).sum() + 1) / 2 for v in x], dtype=np.float64)


def pearson_ref(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x, y)[0, 1])


def spearman_ref(x: np.ndarray, y: np.ndarray) -> float:
    return pearson_ref(ranks_ref(x), ranks_ref(y))


# --- hand-computed values ---------------------------------------------------------------------


def test_pearson_by_hand():
    # x̄ = 2.5, ȳ = 5; Σdxdy = 4.5 + 0.5 + 0 + 6 = 11; Σdx² = 5; Σdy² = 26 → 11/√130
    assert pearson([1, 2, 3, 4], [2, 4, 5, 9]) == pytest.approx(11 / math.sqrt(130))
    assert pearson([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert pearson([1, 2, 3], [7, 9, 11]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_spearman_by_hand_with_ties():
    # y = [5, 6, 7, 8, 7] ranks [1, 2, 3.5, 5, 3.5]; x ranks [1..5].
    # dx = [−2, −1, 0, 1, 2], dy = [−2, −1, .5, 2, .5]: Σdxdy = 8, Σdx² = 10, Σdy² = 9.5
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / math.sqrt(95))
    # without ties: 1 − 6Σd²/(n(n²−1)); d = [0, −1, 1] → 1 − 12/24
    assert spearman([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)


def test_average_ranks():
    assert average_ranks(torch.tensor([10.0, 20.0, 20.0, 5.0])).tolist() == [2, 3.5, 3.5, 1]
    assert average_ranks(torch.tensor([1.0, 1.0, 1.0])).tolist() == [2, 2, 2]
    assert average_ranks(torch.tensor([3, 1, 2])).tolist() == [3, 1, 2]


# --- against numpy-only references ------------------------------------------------------------


@settings(max_examples=50)
@given(
    n=st.integers(3, 40),
    levels=st.sampled_from([3, 5, 1000]),  # few levels: many ties
    seed=st.integers(0, 2**31),
)
def test_match_numpy_references(n, levels, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, levels, n).astype(np.float64)
    y = x + rng.integers(0, levels, n)
    # a constant input has no correlation; break ties in each one separately, so fixing
    # one cannot make the other constant
    if np.ptp(x) == 0:
        x[0] += 1
    if np.ptp(y) == 0:
        y[0] -= 1
    assert average_ranks(torch.from_numpy(x)).numpy() == pytest.approx(ranks_ref(x))
    assert spearman(x, y) == pytest.approx(spearman_ref(x, y), abs=1e-12)
    assert pearson(x, y) == pytest.approx(pearson_ref(x, y), abs=1e-12)


def test_matches_scipy_when_installed():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 6, 200).astype(float), rng.normal(size=200)
    y[:50] = x[:50]
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)


# --- invariances ------------------------------------------------------------------------------


@settings(max_examples=30)
@given(seed=st.integers(0, 2**31))
def test_spearman_is_invariant_to_monotone_transforms(seed):
    gen = torch.Generator().manual_seed(seed)
    x, y = torch.randn(30, generator=gen, dtype=torch.float64), torch.randn(30, generator=gen)
    y = y.double() + x
    rho = spearman(x, y)
    assert spearman(x.exp(), y) == pytest.approx(rho, abs=1e-12)
    assert spearman(x**3, 2 * y + 5) == pytest.approx(rho, abs=1e-12)
    assert spearman(torch.sigmoid(x), y.exp()) == pytest.approx(rho, abs=1e-12)
    assert spearman(-x, y) == pytest.approx(-rho, abs=1e-12)  # decreasing: sign flips
    assert spearman(y, x) == pytest.approx(rho, abs=1e-12)  # symmetric
    r = pearson(x, y)
    assert pearson(3 * x - 1, 0.5 * y + 2) == pytest.approx(r, abs=1e-12)  # affine for Pearson


def test_accepts_tensors_arrays_and_lists_of_any_dtype():
    want = spearman([1.0, 2.0, 4.0, 3.0], [1.0, 3.0, 2.0, 4.0])
    assert spearman(np.array([1, 2, 4, 3]), torch.tensor([1, 3, 2, 4])) == pytest.approx(want)
    assert spearman(torch.tensor([1, 2, 4, 3]).half(), (1, 3, 2, 4)) == pytest.approx(want)


# --- STS --------------------------------------------------------------------------------------


def test_sts_correlation_is_cosine_against_gold():
    gen = torch.Generator().manual_seed(0)
    u, v = torch.randn(50, 16, generator=gen), torch.randn(50, 16, generator=gen)
    gold = torch.rand(50, generator=gen) * 5
    cosine = torch.nn.functional.cosine_similarity(u.double(), v.double(), dim=1)
    result = sts_correlation(u, v, gold)
    assert isinstance(result, StsResult)
    assert result.spearman == pytest.approx(spearman(cosine, gold))
    assert result.pearson == pytest.approx(pearson(cosine, gold))
    # the scale of each embedding does not matter, only its direction
    scaled = sts_correlation(u * torch.rand(50, 1) * 10, v, gold.numpy())
    assert scaled.spearman == pytest.approx(result.spearman)
    assert scaled.pearson == pytest.approx(result.pearson)


def test_sts_gold_increasing_in_cosine_gives_spearman_one():
    gen = torch.Generator().manual_seed(1)
    u, v = torch.randn(40, 8, generator=gen), torch.randn(40, 8, generator=gen)
    cosine = torch.nn.functional.cosine_similarity(u, v, dim=1)
    result = sts_correlation(u, v, 5 * torch.sigmoid(4 * cosine))  # monotone, not linear
    assert result.spearman == pytest.approx(1.0)
    assert 0.9 < result.pearson < 1.0


# --- rejections -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([1, 2, 3], [1, 2], "same length"),
        ([1], [2], "at least 2 values"),
        ([1, 1, 1], [1, 2, 3], "constant"),
        ([0.1, 0.1, 0.1], [3, 1, 2], "constant"),
        ([1, 2, float("nan")], [1, 2, 3], "NaN"),
        (np.ones((2, 2)), np.ones((2, 2)), "1-D"),
    ],
)
def test_rejections(x, y, match):
    for correlation in (pearson, spearman):
        with pytest.raises(ValueError, match=match):
            correlation(x, y)


def test_sts_rejections():
    u = torch.randn(5, 4)
    with pytest.raises(ValueError, match="same shape"):
        sts_correlation(u, torch.randn(5, 3), torch.rand(5))
    with pytest.raises(ValueError, match="same length"):
        sts_correlation(u, u + 1, torch.rand(4))
    with pytest.raises(ValueError, match="constant"):
        sts_correlation(u, torch.randn(5, 4), torch.full((5,), 3.0))
