"""Weighted k-nearest-neighbour classifier on frozen features (InstDisc's kNN monitor).

Wu et al., "Unsupervised Feature Learning via Non-Parametric Instance Discrimination",
CVPR 2018, https://arxiv.org/abs/1805.01978, Sec. 3.4; the same rule as lightly's
``knn_predict`` and solo-learn's ``WeightedKNNClassifier`` (k = 200, τ = 0.1 by default there).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from contrastkit.evaluation._checks import (
    check_features,
    check_labels,
    check_positive_int,
    check_same_dim,
    resolve_num_classes,
)
from contrastkit.evaluation._topk import top_k


def knn_predict(
    train_features: torch.Tensor,
    train_labels: torch.Tensor,
    query_features: torch.Tensor,
    *,
    k: int = 200,
    temperature: float | None = 0.1,
    num_classes: int | None = None,
    chunk_size: int = 1024,
) -> torch.Tensor:
    r"""Predict the class of each query by a similarity-weighted vote of its k nearest neighbours.

    Rows are L2-normalised, so similarity is the cosine :math:`s_{qi} = \hat x_q \cdot \hat t_i`.
    With :math:`N_k(q)` the k training rows most similar to query q:

    .. math::
        \text{score}_c(q) = \sum_{i \in N_k(q),\ y_i = c} e^{s_{qi} / \tau}, \qquad
        \hat y_q = \arg\max_c \text{score}_c(q)

    ``temperature=None`` gives a plain majority vote (every neighbour weighs 1).

    Args:
        train_features: the labelled memory bank.
        train_labels: class index of each training row, in ``[0, num_classes)``.
        query_features: rows to classify.
        k: number of neighbours; clamped to the number of training rows.
        temperature: τ > 0 of the weights, or None for majority vote.
        num_classes: number of classes (default: largest train label + 1).
        chunk_size: queries per block; memory is about ``chunk_size × N`` similarities
            (1024 × 60,000 float32 ≈ 250 MB), time is one ``(Q, D) @ (D, N)`` product.

    Shapes: train_features (N, D), train_labels (N,), query_features (Q, D) → (Q,) int64 on
    the device of ``query_features``.

    Ties, both resolved deterministically:

    - neighbours: among training rows with exactly the same similarity at the k-th place, the
      lower row index is taken (``torch.topk`` alone leaves this unspecified);
    - classes: exactly equal scores go to the lowest class index (``argmax`` takes the first
      maximum, as scikit-learn's majority vote does). With weights this needs bit-equal sums,
      so it matters mostly for ``temperature=None``.

    The weights are computed as :math:`e^{(s_{qi} - s_{q,\max}) / \tau}`: the same as
    :math:`e^{s/\tau}` up to a per-query factor, so the vote is unchanged, and no τ overflows.

    Example:
        >>> bank, y = torch.randn(100, 16), torch.randint(0, 3, (100,))
        >>> pred = knn_predict(bank, y, torch.randn(5, 16), k=10)
    """
    check_features(train_features, "train_features")
    check_labels(train_labels, train_features.shape[0], "train_labels")
    check_features(query_features, "query_features", min_rows=0)
    check_same_dim(train_features, query_features, ("train_features", "query_features"))
    check_positive_int(k, "k")
    check_positive_int(chunk_size, "chunk_size")
    if temperature is not None and not temperature > 0:
        raise ValueError(f"temperature must be > 0 (or None for majority vote), got {temperature}.")
    num_classes = resolve_num_classes(num_classes, (train_labels, "train_labels"))

    dtype = torch.promote_types(train_features.dtype, query_features.dtype)
    dtype = torch.promote_types(dtype, torch.float32)  # half precision → float32
    device = query_features.device
    t = F.normalize(train_features.to(device, dtype), dim=1)  # (N, D)
    y = train_labels.to(device)
    k = min(k, t.shape[0])

    predictions = []
    for start in range(0, query_features.shape[0], chunk_size):
        q = F.normalize(query_features[start : start + chunk_size].to(dtype), dim=1)  # (C, D)
        sim, idx = top_k(q @ t.t(), k)  # (C, k), most similar first
        if temperature is None:
            weight = torch.ones_like(sim)
        else:
            weight = ((sim - sim[:, :1]) / temperature).exp()  # (C, k), e^{s/τ} / e^{s_max/τ}
        score = torch.zeros(q.shape[0], num_classes, dtype=dtype, device=device)
        score.scatter_add_(1, y[idx], weight)  # (C, num_classes)
        predictions.append(score.argmax(dim=1))
    if not predictions:
        return torch.empty(0, dtype=torch.long, device=device)
    return torch.cat(predictions)


def knn_accuracy(
    train_features: torch.Tensor,
    train_labels: torch.Tensor,
    test_features: torch.Tensor,
    test_labels: torch.Tensor,
    *,
    k: int = 200,
    temperature: float | None = 0.1,
    num_classes: int | None = None,
    chunk_size: int = 1024,
) -> float:
    """Fraction of test rows whose :func:`knn_predict` class equals their label, in [0, 1].

    Arguments as :func:`knn_predict`, plus ``test_labels`` (Q,) integer with Q ≥ 1.
    A test label outside the training classes simply counts as an error.
    """
    check_features(test_features, "test_features")
    check_labels(test_labels, test_features.shape[0], "test_labels")
    predicted = knn_predict(
        train_features,
        train_labels,
        test_features,
        k=k,
        temperature=temperature,
        num_classes=num_classes,
        chunk_size=chunk_size,
    )
    return (predicted == test_labels.to(predicted.device)).double().mean().item()
