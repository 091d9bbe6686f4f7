"""2-D projection of embeddings: PCA in torch (UMAP when installed) and the class scatter."""

from __future__ import annotations

import pytest
import torch

from contrastkit.report import pca_2d, png_bytes, project_2d, projection_scatter


def _two_clusters(n: int = 100, d: int = 50) -> tuple[torch.Tensor, torch.Tensor]:
    direction = torch.nn.functional.normalize(torch.randn(d), dim=0)
    labels = torch.arange(2 * n) % 2
    x = torch.randn(2 * n, d) + 8 * direction * (2 * labels - 1).unsqueeze(1).float()
    return x, labels


def test_pca_separates_two_gaussian_clusters_on_its_first_axis():
    x, labels = _two_clusters()
    points = pca_2d(x)
    first = points[:, 0]
    left, right = first[labels == 0].sign().unique(), first[labels == 1].sign().unique()
    assert len(left) == len(right) == 1 and left != right  # each cluster wholly on one side


def test_pca_axes_carry_the_two_largest_variances_and_are_uncorrelated():
    x = torch.randn(300, 6) * torch.tensor([5.0, 3.0, 1.0, 0.5, 0.2, 0.1])
    x = x @ torch.linalg.qr(torch.randn(6, 6))[0]  # a random rotation
    points = pca_2d(x).double()
    eigenvalues = torch.linalg.eigvalsh(torch.cov(x.double().t())).flip(0)
    torch.testing.assert_close(points.var(dim=0), eigenvalues[:2], rtol=1e-4, atol=1e-4)
    assert abs(float(torch.corrcoef(points.t())[0, 1])) < 1e-4


def test_pca_is_deterministic_and_sign_fixed():
    x = torch.randn(40, 10)
    torch.testing.assert_close(pca_2d(x), pca_2d(x.clone()))
    # the SVD may return either sign per axis; the sign rule fixes it, so negated data maps
    # to the negated picture rather than to an arbitrary reflection of it
    torch.testing.assert_close(pca_2d(-x), -pca_2d(x))


def test_project_2d_falls_back_to_pca_and_rejects_unknown_names(monkeypatch):
    import contrastkit.report.projection as projection

    monkeypatch.setattr(projection, "umap_available", lambda: False)
    x = torch.randn(20, 5)
    points, used = project_2d(x, "auto")
    assert used == "pca" and points.shape == (20, 2)
    with pytest.raises(ValueError, match="umap-learn"):
        project_2d(x, "umap")
    with pytest.raises(ValueError, match="unknown projection"):
        project_2d(x, "tsne")


def test_umap_when_installed():
    pytest.importorskip("umap", reason="umap-learn is not installed (optional)")
    x, _ = _two_clusters(n=30, d=8)
    points, used = project_2d(x, "umap")
    assert used == "umap" and points.shape == (60, 2)


def test_scatter_draws_one_group_per_class_named_by_classes(png_size):
    x, labels = _two_clusters(n=20)
    labels[:3] = -1
    fig = projection_scatter(pca_2d(x), labels, classes=("left", "right"))
    ax = fig.axes[0]
    assert ax.get_legend_handles_labels()[1] == ["left", "right", "unlabelled"]
    assert [len(c.get_offsets()) for c in ax.collections] == [
        int((labels == 0).sum()), int((labels == 1).sum()), 3
    ]  # fmt: skip
    assert png_size(png_bytes(fig)) == (640, 500)


def test_scatter_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="points must be"):
        projection_scatter(torch.randn(5, 3), torch.zeros(5, dtype=torch.int64))
