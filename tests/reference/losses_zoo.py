"""Reference SwAV, Barlow Twins, VICReg and DINO: entry by entry, straight from the papers.

Slow loops over samples, prototypes and dimensions in plain arithmetic, written from each
paper's equations (and, where the paper leaves a detail open, the authors' code, named).
"""

from __future__ import annotations

import torch


def _mean(terms: list[torch.Tensor]) -> torch.Tensor:
    return sum(terms) / len(terms)


def _softmax(row: list[torch.Tensor]) -> list[torch.Tensor]:
    exps = [torch.exp(x) for x in row]
    total = sum(exps)
    return [e / total for e in exps]


# --- SwAV -------------------------------------------------------------------------------------


def sinkhorn_ref(scores: torch.Tensor, n_iters: int, eps: float) -> torch.Tensor:
    """Caron 2020 Algorithm 1 / ``distributed_sinkhorn`` on one process, in the paper's K×B
    layout: Q = exp(Cᵀz/ε), normalised to total 1; then per iteration every prototype's row to
    1/K and every sample's column to 1/B; finally Q·B, returned as (B, K)."""
    b, k = scores.shape
    q = [[torch.exp(scores[j, i] / eps) for j in range(b)] for i in range(k)]  # K × B
    total = sum(sum(row) for row in q)
    q = [[x / total for x in row] for row in q]
    for _ in range(n_iters):
        q = [[x / sum(row) / k for x in row] for row in q]  # Q 1_B = 1_K / K
        col = [sum(q[i][j] for i in range(k)) for j in range(b)]
        q = [[q[i][j] / col[j] / b for j in range(b)] for i in range(k)]  # Qᵀ 1_K = 1_B / B
    return torch.stack([torch.stack([q[i][j] * b for i in range(k)]) for j in range(b)])


def swav_ref(
    scores_per_crop: list[torch.Tensor], codes_per_crop: list[torch.Tensor], temperature: float
) -> torch.Tensor:
    """Eq. 1–2 with multi-crop as the authors' ``main_swav.py``: for each code crop t, the mean
    over the other crops v of −Σ_k q_t log softmax(z_v·c / τ), then the mean over t."""
    b = scores_per_crop[0].shape[0]
    per_code_crop = []
    for t, q in enumerate(codes_per_crop):
        per_crop = []
        for v, s in enumerate(scores_per_crop):
            if v == t:
                continue
            samples = []
            for i in range(b):
                p = _softmax([x / temperature for x in s[i]])
                samples.append(-sum(q[i, k].detach() * torch.log(p[k]) for k in range(len(p))))
            per_crop.append(_mean(samples))
        per_code_crop.append(_mean(per_crop))
    return _mean(per_code_crop)


# --- Barlow Twins -----------------------------------------------------------------------------


def _standardized_columns(z: torch.Tensor, eps: float, correction: int) -> list[list[torch.Tensor]]:
    """Column j of z, minus its mean, over sqrt(variance + eps); variance divides by N − correction."""
    n, d = z.shape
    columns = []
    for j in range(d):
        col = [z[b, j] for b in range(n)]
        mu = sum(col) / n
        var = sum((x - mu) ** 2 for x in col) / (n - correction)
        columns.append([(x - mu) / torch.sqrt(var + eps) for x in col])
    return columns


def barlow_twins_ref(z1: torch.Tensor, z2: torch.Tensor, lambd: float, eps: float) -> torch.Tensor:
    """Zbontar 2021 Eq. 1–2: C_ij = Σ_b ẑ1_bi ẑ2_bj / N (batch-standardised, biased variance
    as the authors' BatchNorm1d), L = Σ_i (1 − C_ii)² + λ Σ_{i≠j} C_ij²."""
    n, d = z1.shape
    a, b = _standardized_columns(z1, eps, 0), _standardized_columns(z2, eps, 0)
    loss = 0.0
    for i in range(d):
        for j in range(d):
            c_ij = sum(a[i][s] * b[j][s] for s in range(n)) / n
            loss = loss + ((1 - c_ij) ** 2 if i == j else lambd * c_ij**2)
    return loss


# --- VICReg -----------------------------------------------------------------------------------


def invariance_ref(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """Bardes 2022 Eq. 5 as the authors' ``F.mse_loss``: mean over N·D of (z − z')²."""
    n, d = z1.shape
    return sum((z1[b, j] - z2[b, j]) ** 2 for b in range(n) for j in range(d)) / (n * d)


def variance_ref(z: torch.Tensor, gamma: float = 1.0, eps: float = 1e-4) -> torch.Tensor:
    """Eq. 1–2: (1/D) Σ_j max(0, γ − sqrt(Var(z_j) + ε)), unbiased variance."""
    n, d = z.shape
    terms = []
    for j in range(d):
        col = [z[b, j] for b in range(n)]
        mu = sum(col) / n
        std = torch.sqrt(sum((x - mu) ** 2 for x in col) / (n - 1) + eps)
        terms.append(torch.clamp(gamma - std, min=0.0))
    return _mean(terms)


def covariance_ref(z: torch.Tensor) -> torch.Tensor:
    """Eq. 3–4: C = Σ_b (z_b − z̄)(z_b − z̄)ᵀ / (N − 1); c = (1/D) Σ_{i≠j} C_ij²."""
    n, d = z.shape
    mu = [sum(z[b, j] for b in range(n)) / n for j in range(d)]
    total = 0.0
    for i in range(d):
        for j in range(d):
            if i != j:
                c_ij = sum((z[b, i] - mu[i]) * (z[b, j] - mu[j]) for b in range(n)) / (n - 1)
                total = total + c_ij**2
    return total / d


def vicreg_ref(
    z1: torch.Tensor, z2: torch.Tensor, sim: float = 25.0, std: float = 25.0, cov: float = 1.0
) -> torch.Tensor:
    """Eq. 6 with the authors' halved variance term: λ s + μ (v + v')/2 + ν (c + c')."""
    return (
        sim * invariance_ref(z1, z2)
        + std * (variance_ref(z1) + variance_ref(z2)) / 2
        + cov * (covariance_ref(z1) + covariance_ref(z2))
    )


# --- DINO -------------------------------------------------------------------------------------


def dino_teacher_probs_ref(
    teacher: torch.Tensor, center: torch.Tensor, teacher_temp: float
) -> torch.Tensor:
    """Caron 2021 Sec. 3.1: P_t = softmax((g_t − c) / τ_t), row by row."""
    c = center.reshape(-1)
    rows = [_softmax([(t - c[k]) / teacher_temp for k, t in enumerate(row)]) for row in teacher]
    return torch.stack([torch.stack(r) for r in rows])


def update_center_ref(center: torch.Tensor, teacher: torch.Tensor, m: float) -> torch.Tensor:
    """Eq. 4: c ← m c + (1 − m) (1/B) Σ_b g_t(x_b)."""
    b, k = teacher.shape
    c = center.reshape(-1)
    new = [m * c[j] + (1 - m) * sum(teacher[i, j] for i in range(b)) / b for j in range(k)]
    return torch.stack(new).reshape(1, k)


def dino_ref(
    student_per_crop: list[torch.Tensor], teacher_probs: list[torch.Tensor], student_temp: float
) -> torch.Tensor:
    """Eq. 3 / Algorithm 1: mean over pairs (teacher crop t, student crop v ≠ t) of the batch
    mean of H(P_t, P_s) = −Σ_k P_t log P_s, with P_s = softmax(g_s / τ_s)."""
    b = student_per_crop[0].shape[0]
    pairs = []
    for t, q in enumerate(teacher_probs):
        for v, s in enumerate(student_per_crop):
            if v == t:
                continue
            samples = []
            for i in range(b):
                p = _softmax([x / student_temp for x in s[i]])
                samples.append(-sum(q[i, k].detach() * torch.log(p[k]) for k in range(len(p))))
            pairs.append(_mean(samples))
    return _mean(pairs)
