"""Reference diagnostics: pair by pair, straight from the definitions."""

from __future__ import annotations

import torch


def _unit(u: torch.Tensor) -> torch.Tensor:
    return u / torch.sqrt(sum(c * c for c in u))


def _sqdist(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return sum((a - b) ** 2 for a, b in zip(u, v, strict=True))


def alignment_ref(x: torch.Tensor, y: torch.Tensor, alpha: float = 2) -> torch.Tensor:
    """Wang & Isola 2020: E ‖x̂ − ŷ‖^α over positive pairs."""
    terms = [torch.sqrt(_sqdist(_unit(x[i]), _unit(y[i]))) ** alpha for i in range(x.shape[0])]
    return sum(terms) / len(terms)


def uniformity_ref(x: torch.Tensor, t: float = 2) -> torch.Tensor:
    """Wang & Isola 2020: log E_{i<j} exp(−t ‖x̂_i − x̂_j‖²)."""
    u = [_unit(row) for row in x]
    n = len(u)
    terms = [torch.exp(-t * _sqdist(u[i], u[j])) for i in range(n) for j in range(i + 1, n)]
    return torch.log(sum(terms) / len(terms))


def effective_rank_ref(z: torch.Tensor) -> torch.Tensor:
    """Roy & Vetterli 2007: exp of the entropy of the normalised singular values.

    Singular values come from the eigenvalues of the Gram matrix (a route independent of the
    library's SVD). Eigenvalues below 1e-12 of the largest are rounding noise of zeros (their
    square roots would not be), so they count as 0; zeros contribute 0 · log 0 = 0.
    """
    gram = z.t() @ z if z.shape[0] >= z.shape[1] else z @ z.t()
    eigenvalues = torch.linalg.eigvalsh(gram)
    cutoff = 1e-12 * eigenvalues.max()
    sigma = [torch.sqrt(ev) if ev > cutoff else ev * 0.0 for ev in eigenvalues]
    total = sum(sigma)
    entropy = z.new_zeros(())
    for s in sigma:
        p = s / total
        if p > 0:
            entropy = entropy - p * torch.log(p)
    return torch.exp(entropy)


def std_of_l2_normalized_ref(z: torch.Tensor) -> torch.Tensor:
    """SimSiam Sec. 4.1: per-dimension (unbiased) std of the unit rows, averaged over D."""
    u = [_unit(row) for row in z]
    n, d = len(u), z.shape[1]
    stds = []
    for k in range(d):
        column = [row[k] for row in u]
        mean = sum(column) / n
        stds.append(torch.sqrt(sum((c - mean) ** 2 for c in column) / (n - 1)))
    return sum(stds) / d


def positive_negative_gap_ref(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cos(x_i, y_i) minus mean cos(x_i, y_j) over i ≠ j."""
    u, v = [_unit(r) for r in x], [_unit(r) for r in y]
    n = len(u)
    pos = [sum(a * b for a, b in zip(u[i], v[i], strict=True)) for i in range(n)]
    neg = [
        sum(a * b for a, b in zip(u[i], v[j], strict=True))
        for i in range(n)
        for j in range(n)
        if i != j
    ]
    return sum(pos) / len(pos) - sum(neg) / len(neg)
