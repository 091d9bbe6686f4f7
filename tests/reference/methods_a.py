"""Reference losses of MoCo v2, MoCo v3, BYOL, SimSiam and NNCLR, one sample at a time.

Each takes the networks' outputs (queries, keys, projections, predictions) and computes the
paper's loss with explicit loops over samples, in float64, every number a torch scalar so
autograd flows through. Stop-gradients are applied here exactly where the papers put them;
targets computed by a momentum network arrive already without gradient.
"""

from __future__ import annotations

import torch


def _unit(u: torch.Tensor) -> torch.Tensor:
    return u / torch.sqrt(sum(c * c for c in u))


def _dot(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return sum(a * b for a, b in zip(u, v, strict=True))


def _cos(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return _dot(_unit(u), _unit(v))


def _mean(terms: list[torch.Tensor]) -> torch.Tensor:
    return sum(terms) / len(terms)


def _contrast(anchor: torch.Tensor, positive: torch.Tensor, others: list[torch.Tensor], tau: float):
    """−log exp(cos(a, k⁺)/τ) / (exp(cos(a, k⁺)/τ) + Σ_k⁻ exp(cos(a, k⁻)/τ))."""
    pos = torch.exp(_cos(anchor, positive) / tau)
    return -torch.log(pos / (pos + sum(torch.exp(_cos(anchor, n) / tau) for n in others)))


def moco_v2_ref(q: torch.Tensor, k: torch.Tensor, queue: torch.Tensor, tau: float) -> torch.Tensor:
    """He et al. 2020, Eq. 1: query i against its key, the queue as negatives; the batch's
    other keys are negatives too (contrastkit's in-batch InfoNCE layout, see MoCoV2)."""
    n = q.shape[0]
    return _mean(
        [
            _contrast(q[i], k[i], [k[j] for j in range(n) if j != i] + list(queue), tau)
            for i in range(n)
        ]
    )


def _ctr(q: torch.Tensor, k: torch.Tensor, tau: float) -> torch.Tensor:
    """MoCo v3's ctr(q, k): 2τ · mean_i −log softmax_j(q̂_i·k̂_j / τ)[i]."""
    n = q.shape[0]
    terms = [_contrast(q[i], k[i], [k[j] for j in range(n) if j != i], tau) for i in range(n)]
    return 2 * tau * _mean(terms)


def moco_v3_ref(q1, q2, k1, k2, tau: float) -> torch.Tensor:
    """Chen, Xie & He 2021, Algorithm 1: ctr(q1, k2) + ctr(q2, k1)."""
    return _ctr(q1, k2, tau) + _ctr(q2, k1, tau)


def byol_ref(p1, p2, t1, t2) -> torch.Tensor:
    """Grill et al. 2020, Eq. 2 and its symmetrisation: mean_i ‖p̂₁ᵢ − ẑ'₂ᵢ‖² + mean_i ‖p̂₂ᵢ − ẑ'₁ᵢ‖²."""

    def sq_dist(p, z):
        d = _unit(p) - _unit(z)
        return _dot(d, d)

    n = p1.shape[0]
    return _mean([sq_dist(p1[i], t2[i]) for i in range(n)]) + _mean(
        [sq_dist(p2[i], t1[i]) for i in range(n)]
    )


def simsiam_ref(p1, p2, z1, z2) -> torch.Tensor:
    """Chen & He 2021, Eq. 4: ½ D(p₁, sg(z₂)) + ½ D(p₂, sg(z₁)), D = −mean cosine."""
    n = p1.shape[0]
    d12 = -_mean([_cos(p1[i], z2[i].detach()) for i in range(n)])
    d21 = -_mean([_cos(p2[i], z1[i].detach()) for i in range(n)])
    return 0.5 * d12 + 0.5 * d21


def nearest_neighbour_ref(z: torch.Tensor, support: torch.Tensor) -> torch.Tensor:
    """NN(z, Q): the row of Q with the largest cosine to z, by a plain loop."""
    sims = [float(_cos(z, s)) for s in support]
    return support[max(range(len(sims)), key=sims.__getitem__)]


def nnclr_ref(z1, z2, p1, p2, support: torch.Tensor, tau: float) -> torch.Tensor:
    """Dwibedi et al. 2021, Eq. 2, symmetrised over the views: ½ L(NN(z₁), p₂) + ½ L(NN(z₂), p₁),
    where row i of NN(z₁) must pick p₂ᵢ among all p₂ (no gradient through the neighbour)."""
    n = z1.shape[0]

    def loss(z, p):
        nn = [nearest_neighbour_ref(z[i].detach(), support) for i in range(n)]
        return _mean(
            [_contrast(nn[i], p[i], [p[j] for j in range(n) if j != i], tau) for i in range(n)]
        )

    return 0.5 * loss(z1, p2) + 0.5 * loss(z2, p1)
