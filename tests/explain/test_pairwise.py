"""The pairwise map: exact for a mean-pooled embedding layer, transposed by swapping the
inputs, complete for a transformer."""

from __future__ import annotations

import pytest
import torch

from contrastkit.explain import Parts, pairwise_map
from contrastkit.explain.pairwise import contributions, quadrature
from contrastkit.text.encoder import TextEncoder


def mean_embedding_parts(table: torch.Tensor, ids: list[int]) -> Parts:
    """A text encoder reduced to its embedding layer, mean-pooled, baseline zero."""
    x = table[ids]  # (L, H)
    return Parts(
        inputs=x,
        baseline=torch.zeros_like(x),
        part_of=torch.arange(len(ids))[:, None].expand_as(x).contiguous(),
        labels=[f"t{i}" for i in ids],
        embed=lambda batch: batch.mean(dim=1),
        baseline_name="zero",
    )


def test_a_mean_pooled_embedding_layer_gives_the_closed_form_token_pair_decomposition():
    table = torch.randn(50, 12)
    q, a = [3, 17, 17, 42], [5, 17, 9]
    grid = pairwise_map(mean_embedding_parts(table, q), mean_embedding_parts(table, a), steps=3)
    x, y = table[q], table[a]
    # cos(mean x, mean y) = Σ_ij x_i·y_j / (|q| |a| ‖mean x‖ ‖mean y‖)
    closed = (x @ y.t()) / (len(q) * len(a) * x.mean(0).norm() * y.mean(0).norm())
    torch.testing.assert_close(grid.values[:-1, :-1], closed, rtol=1e-5, atol=1e-6)
    assert torch.count_nonzero(grid.values[-1]) == torch.count_nonzero(grid.values[:, -1]) == 0
    assert grid.similarity == pytest.approx(float(closed.sum()), abs=1e-6)
    assert grid.completeness_error < 1e-5


@pytest.fixture(scope="module")
def tiny_encoder(tiny_bert_dir) -> TextEncoder:
    torch.manual_seed(0)
    return TextEncoder.from_pretrained(tiny_bert_dir).eval()


def test_swapping_query_and_candidate_transposes_the_map(tiny_encoder):
    q, a = (tiny_encoder.parts(t) for t in ("the cat sat on the mat", "a dog in the garden"))
    forward, backward = pairwise_map(q, a, steps=8), pairwise_map(a, q, steps=8)
    assert torch.equal(backward.values, forward.values.t())
    assert backward.rows == forward.columns and backward.columns == forward.rows
    assert forward.transpose().values.equal(backward.values)


@pytest.mark.parametrize("steps", [8, 32])
def test_part_vectors_add_up_to_the_embedding_of_a_transformer(tiny_encoder, steps):
    parts = tiny_encoder.parts("contrastive learning pulls positives together")
    vectors = contributions(parts, steps=steps)  # (P + 1, D), last row the baseline's
    whole = parts.embed(parts.inputs.unsqueeze(0))[0].detach()
    error = (vectors.sum(0) - whole).norm() / whole.norm()
    assert error < (2e-2 if steps == 8 else 2e-3)  # Gauss–Legendre converges fast


def test_the_map_sums_to_the_cosine_within_its_reported_error(tiny_encoder):
    q, a = (tiny_encoder.parts(t) for t in ("cheap flights to paris", "low cost airlines"))
    grid = pairwise_map(q, a, steps=16)
    expected = torch.nn.functional.cosine_similarity(
        *(p.embed(p.inputs.unsqueeze(0)).detach() for p in (q, a))
    )
    assert grid.similarity == pytest.approx(float(expected), abs=1e-6)
    assert abs(float(grid.values.sum()) - grid.similarity) == pytest.approx(
        grid.completeness_error, abs=1e-7
    )
    assert grid.completeness_error < 1e-2


def test_quadrature_weights_sum_to_one_and_integrate_cubics_exactly():
    nodes, weights = quadrature(2)
    assert float(weights.sum()) == pytest.approx(1.0)
    assert float((weights * nodes**3).sum()) == pytest.approx(0.25)  # ∫₀¹ α³ dα


def test_merging_the_smaller_parts_keeps_the_map_complete(tiny_encoder):
    q = tiny_encoder.parts("the cat sat on the mat by the door")
    a = tiny_encoder.parts("a dog lay in the garden")
    scores = (torch.arange(len(q), dtype=torch.float32), -torch.arange(len(a), dtype=torch.float32))
    grid = pairwise_map(q, a, steps=16, max_parts=3, scores=scores)
    n_q, n_a = len(q) - 3, len(a) - 3
    assert grid.rows == [*q.labels[-3:], f"{n_q} other parts", "(baseline)"]  # largest |score|
    assert grid.columns == [*a.labels[-3:], f"{n_a} other parts", "(baseline)"]
    whole = pairwise_map(q, a, steps=16)
    assert grid.similarity == pytest.approx(whole.similarity, abs=1e-7)
    assert grid.completeness_error < 1e-2
    # the kept parts' pairs are the same cells as in the full map
    torch.testing.assert_close(grid.values[:3, :3], whole.values[-4:-1, -4:-1], atol=1e-6, rtol=0)
