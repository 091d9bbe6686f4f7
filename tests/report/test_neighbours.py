"""Nearest neighbours in a bank, and the image grid that shows them."""

from __future__ import annotations

import pytest
import torch

from contrastkit.report import nearest_neighbours, neighbour_grid, png_bytes


def test_finds_the_true_neighbours_most_similar_first():
    bank = torch.nn.functional.normalize(torch.randn(200, 256), dim=1)  # near-orthogonal rows
    # query i is a blend of bank rows a_i (mostly) and b_i (less): neighbours a_i, then b_i
    a, b = torch.tensor([3, 50, 199]), torch.tensor([7, 0, 100])
    queries = 10 * bank[a] + 6 * bank[b]
    sim, idx = nearest_neighbours(queries, bank, k=2)
    assert idx.tolist() == [[3, 7], [50, 0], [199, 100]]
    assert (sim[:, 0] > sim[:, 1]).all() and sim.shape == (3, 2)


def test_similarity_is_cosine_so_scale_does_not_matter():
    bank = torch.randn(30, 4)
    queries = torch.randn(2, 4)
    _, idx = nearest_neighbours(queries, bank, k=5)
    _, scaled = nearest_neighbours(7 * queries, bank * torch.rand(30, 1).add(0.1), k=5)
    assert torch.equal(idx, scaled)


def test_ties_go_to_the_lower_bank_index():
    bank = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [1.0, 0.0]])
    _, idx = nearest_neighbours(torch.tensor([[1.0, 0.0]]), bank, k=3)
    assert idx.tolist() == [[0, 2, 3]]


def test_bad_k_is_an_error():
    with pytest.raises(ValueError, match="k must be"):
        nearest_neighbours(torch.randn(1, 3), torch.randn(4, 3), k=5)


def test_grid_has_a_row_per_query_and_frames_by_class(png_size):
    q, k = 3, 4
    queries = torch.randint(0, 256, (q, 1, 8, 8), dtype=torch.uint8)
    neighbours = torch.randint(0, 256, (q, k, 1, 8, 8), dtype=torch.uint8)
    sim = torch.rand(q, k)
    query_labels = torch.tensor([0, 1, 2])
    neighbour_labels = torch.tensor([[0, 0, 1, 0], [1, 1, 1, 1], [0, 2, 2, 2]])
    fig = neighbour_grid(
        queries,
        neighbours,
        sim,
        query_labels=query_labels,
        neighbour_labels=neighbour_labels,
        classes=("tee", "bag", "boot"),
    )
    axes = fig.axes
    assert len(axes) == q * (k + 1)
    assert [axes[r * (k + 1)].get_title() for r in range(q)] == ["tee", "bag", "boot"]
    assert axes[1].get_title() == f"{float(sim[0, 0]):.2f}"
    # row 0: neighbours of class 0, 0, 1, 0 → green, green, red, green
    colours = [axes[c].spines["top"].get_edgecolor() for c in range(1, k + 1)]
    import matplotlib.colors as mcolors

    green, red = mcolors.to_rgba("tab:green"), mcolors.to_rgba("tab:red")
    assert colours == [green, green, red, green]
    w, h = png_size(png_bytes(fig))
    assert (w, h) == (round(1.15 * (k + 1) * 100), round(1.3 * q * 100))


def test_grid_shows_rgb_images_and_no_frames_without_labels():
    fig = neighbour_grid(
        torch.zeros(1, 3, 6, 6, dtype=torch.uint8),
        torch.full((1, 2, 3, 6, 6), 255, dtype=torch.uint8),
        torch.ones(1, 2),
    )
    assert fig.axes[1].images[0].get_array().shape == (6, 6, 3)
    assert not fig.axes[1].spines["top"].get_visible()
